/// Request bodies read before the generated code sees them, for a type that reads its own JSON.
///
/// The generated server code decodes every request body with `JSONDecoder`, and, as for responses
/// (`PrewrittenJSON`), offers no hook to replace it. For a 20-row screen sync, walking the decoder's containers was
/// 18% of the request, and its scan of the text, which ran first, another 6%; for a chat message save the two were
/// 4% (issue 12). So the server's transport offers a body to its route's reader here first; when the reader takes it
/// (`JSONReader` checks the whole text, so it only takes a body `JSONDecoder` would take), the generated code is
/// handed `placeholder` instead, and the type, decoded from it at the top level, returns the value already read. A
/// body the reader does not take goes to the generated code as it is, and `Codable` gives the usual value or error.
public enum RequestBodyBytes {
    /// Reads a whole body; nil leaves it to `JSONDecoder`.
    public typealias Reader = @Sendable (UnsafeRawBufferPointer) -> (any Sendable)?

    /// Readers by operation, as `"METHOD path"` with the path as the document writes it.
    public static let readers: [String: Reader] = [
        "POST /v1/screen-activity/sync": { Wire.ScreenActivitySyncRequest.read($0) },
        "POST /v2/desktop/messages": { Wire.SaveMessageRequest.read($0) },
    ]

    /// The value read from the body being served, for the type decoded from `placeholder`.
    @TaskLocal public static var value: (any Sendable)?

    /// What the generated code decodes once the body has been read: the shortest JSON object.
    public static let placeholder: [UInt8] = Array("{}".utf8)

    /// The value read from the body, when `decoder` decodes the body itself (the placeholder, at the top level) as
    /// a `T`.
    static func read<T>(by decoder: any Decoder, as type: T.Type) -> T? {
        guard let value, decoder.codingPath.isEmpty else { return nil }
        return value as? T
    }
}
