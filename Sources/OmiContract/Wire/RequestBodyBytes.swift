/// The bytes of the request body being served, for a type that reads its own JSON when it is that body.
///
/// The generated server code decodes every request body with `JSONDecoder`, and, as for responses
/// (`PrewrittenJSON`), offers no hook to replace it. For a 20-row screen sync, walking the decoder's containers was
/// 18% of the request (issue 12). The server's transport offers the body here around each handler; a type decoded at
/// the top level (which, inside a request, only the generated code does, from that request's body) reads it with
/// `JSONReader`, and falls back to its `Codable` decoding for anything the reader does not support.
public enum RequestBodyBytes {
    /// The body, copied out only when a type asks for it: most routes never do.
    public struct Source: Sendable {
        let bytes: @Sendable () -> [UInt8]

        public init(_ bytes: @escaping @Sendable () -> [UInt8]) { self.bytes = bytes }
        public init(bytes: [UInt8]) { self.init { bytes } }
    }

    @TaskLocal public static var current: Source?

    /// The body's bytes when `decoder` is decoding the request body itself.
    static func forTopLevel(_ decoder: any Decoder) -> [UInt8]? {
        guard let current, decoder.codingPath.isEmpty else { return nil }
        return current.bytes()
    }
}
