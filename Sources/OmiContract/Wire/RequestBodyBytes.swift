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
        /// The body as its type already read it, before the generated code ran (`preRead`).
        let value: (any Sendable)?

        public init(_ bytes: @escaping @Sendable () -> [UInt8]) {
            self.bytes = bytes
            value = nil
        }

        public init(bytes: [UInt8], value: (any Sendable)? = nil) {
            self.bytes = { bytes }
            self.value = value
        }
    }

    @TaskLocal public static var current: Source?

    /// Reads the body as `type` before the generated code runs, or nil where the reader leaves it to `Codable`. When
    /// it succeeds the server hands the generated code `{}` instead of the body, so `JSONDecoder` does not scan the
    /// whole body first only for the type to read it again (4% of a 20-row screen sync); the type's `init(from:)`
    /// takes the value read here.
    public static func preRead<Body: SelfReadingBody>(_ type: Body.Type, _ bytes: [UInt8]) -> Source? {
        Body.read(bytes).map { Source(bytes: bytes, value: $0) }
    }

    /// The body read as `Body` when `decoder` is decoding the request body itself.
    static func topLevel<Body: SelfReadingBody>(_ type: Body.Type, _ decoder: any Decoder) -> Body? {
        guard let current, decoder.codingPath.isEmpty else { return nil }
        if let value = current.value as? Body { return value }
        return Body.read(current.bytes())
    }
}

/// A request body type that reads its own JSON text; nil leaves the body to its `Codable` decoding.
public protocol SelfReadingBody: Sendable {
    static func read(_ bytes: [UInt8]) -> Self?
}
