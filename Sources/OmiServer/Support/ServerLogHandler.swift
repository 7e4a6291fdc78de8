import Logging

/// swift-log's `StreamLogHandler` lines, with the handler's metadata rendered only when a line is written.
///
/// `StreamLogHandler` renders its whole metadata dictionary each time one key is set. Hummingbird sets a request id on
/// every request's logger, so every request paid for a rendering that, below `debug`, no line ever used: about 1% of
/// a save (issue 12). Here the metadata is kept as it is and handed to the stream handler with each line, where it
/// is rendered once, as it would be anyway for a line that carries metadata of its own (the access log does). Lines
/// are unchanged; a key set here wins over the same key from a metadata provider, which the server does not use.
public struct ServerLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(label: String, stream: any TextOutputStream & Sendable) {
        self.stream = StreamLogHandler(label: label, stream: stream)
    }

    private init(_ stream: StreamLogHandler) { self.stream = stream }

    /// The same destination as swift-log's default handler.
    public static func standardError(label: String) -> ServerLogHandler {
        ServerLogHandler(StreamLogHandler.standardError(label: label))
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        stream.log(event: event)
    }
}
