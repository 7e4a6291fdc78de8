/// Lets a large response skip Foundation's `JSONEncoder` while staying a generated, typed operation.
///
/// The generated server code encodes every response body with `JSONEncoder`, and offers no hook to replace it. For a
/// task page that encoder was 60% of the request's CPU (issue 12). So the server's transport opens a `Sink` around each
/// handler; a prewritable value that is encoded as the top-level body writes its own bytes into the sink with
/// `JSONBytes`, and gives the encoder only a placeholder (`null`). The transport then sends the sink's bytes in place
/// of the encoder's. Outside such a scope (the client library, tests, a value nested in another) the value encodes
/// normally, so both paths exist, and `PrewrittenJSONTests` checks that they write the same JSON.
public enum PrewrittenJSON {
    /// The body a handler's response wrote for itself; written and read by the one task that serves the request.
    public final class Sink: @unchecked Sendable {
        public var bytes: [UInt8]?
        public init() {}
    }

    @TaskLocal public static var sink: Sink?

    /// When `encoder` is encoding the response body itself, puts `write()`'s bytes in the current sink, encodes the
    /// placeholder and returns true; otherwise returns false and the caller encodes as usual.
    static func divert(_ encoder: any Encoder, write: () -> [UInt8]) throws -> Bool {
        guard let sink, encoder.codingPath.isEmpty else { return false }
        sink.bytes = write()
        var placeholder = encoder.singleValueContainer()
        try placeholder.encodeNil()
        return true
    }
}
