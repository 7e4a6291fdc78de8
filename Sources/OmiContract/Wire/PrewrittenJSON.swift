/// Lets a large response skip Foundation's `JSONEncoder` while staying a generated, typed operation.
///
/// The generated server code encodes every response body with `JSONEncoder`, and offers no hook to replace it. For a
/// task page that encoder was 60% of the request's CPU (issue 12). So the server's transport opens a `Sink` around each
/// handler; a prewritable value that is encoded as the top-level body writes its own bytes with `JSONBytes` and hands
/// them to the sink, and gives the encoder only a placeholder (`null`). The transport then sends the sink's bytes in
/// place of the encoder's. Outside such a scope (the client library, tests, a value nested in another) the value
/// encodes normally, so both paths exist, and `PrewrittenJSONTests` checks that they write the same JSON.
public enum PrewrittenJSON {
    /// Where a handler's response puts the body it wrote for itself; used by the one task that serves the request.
    public final class Sink: @unchecked Sendable {
        /// Given the written bytes, once, while they exist: the transport copies them straight into its own buffer,
        /// where an `[UInt8]` in between cost a second copy of a 70 KB task page.
        private let take: (UnsafeRawBufferPointer) -> Void

        public init(take: @escaping (UnsafeRawBufferPointer) -> Void) { self.take = take }

        func put(_ json: borrowing JSONBytes) { json.withUnsafeBytes(take) }
    }

    @TaskLocal public static var sink: Sink?

    /// When `encoder` is encoding the response body itself, gives `value`'s bytes to the current sink, encodes the
    /// placeholder and returns true; otherwise returns false and the caller encodes as usual.
    static func divert(_ encoder: any Encoder, _ value: some Prewritable) throws -> Bool {
        guard let sink, encoder.codingPath.isEmpty else { return false }
        var json = JSONBytes(capacity: value.jsonCapacity)
        value.writeJSON(into: &json)
        sink.put(json)
        var placeholder = encoder.singleValueContainer()
        try placeholder.encodeNil()
        return true
    }
}

/// A response body that can write its own JSON (see `PrewrittenJSON`).
public protocol Prewritable: Encodable {
    /// Bytes to reserve for the text: enough for the common case, so it is written without growing.
    var jsonCapacity: Int { get }
    /// Writes the same JSON value `JSONEncoder` would.
    func writeJSON(into json: inout JSONBytes)
}

extension Prewritable {
    /// The value as JSON text, as the sink receives it.
    public var jsonBytes: [UInt8] {
        var json = JSONBytes(capacity: jsonCapacity)
        writeJSON(into: &json)
        return json.bytes
    }
}
