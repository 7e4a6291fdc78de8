import Logging
import Synchronization
import Testing
@testable import OmiServer

/// The server's log handler writes what swift-log's stream handler writes, and the access log's duration reads as
/// `String(format: "%.2f")` would have written it, rounded down.
@Suite("Log lines")
struct ServerLogHandlerTests {
    final class Lines: TextOutputStream, Sendable {
        private let text = Mutex("")
        func write(_ string: String) { text.withLock { $0 += string } }
        /// Each line without its leading timestamp, which two handlers may take a second apart.
        var withoutTimestamps: [String] {
            text.withLock { $0 }.split(separator: "\n").map { String($0.drop { $0 != " " }) }
        }
    }

    /// The same calls through both handlers, as the server makes them: metadata set on the logger by key (the
    /// request id), lines with and without metadata of their own, one overriding a key, one below the level.
    static func drive(_ logger: inout Logger) {
        logger.logLevel = .info
        logger.info("before any metadata")
        logger[metadataKey: "hb.request.id"] = "r-1"
        logger[metadataKey: "a"] = .array(["x", "y"])
        logger.info("request", metadata: ["route": "/v1/x", "status": "200"])
        logger.warning("override", metadata: ["hb.request.id": "r-2"])
        logger.debug("below the level", metadata: ["secret": "never"])
        logger[metadataKey: "a"] = nil
        logger.error("plain")
    }

    @Test func linesMatchTheStreamHandlers() {
        let ours = Lines()
        let theirs = Lines()
        var server = Logger(label: "omi-backend") { ServerLogHandler(label: $0, stream: ours) }
        var stream = Logger(label: "omi-backend") { StreamLogHandler(label: $0, stream: theirs) }
        Self.drive(&server)
        Self.drive(&stream)
        #expect(ours.withoutTimestamps.count == 4)
        #expect(ours.withoutTimestamps == theirs.withoutTimestamps)
        #expect(ours.withoutTimestamps[1].contains("hb.request.id=r-1 route=/v1/x status=200"))
        #expect(ours.withoutTimestamps[2].contains("hb.request.id=r-2"))
        #expect(server[metadataKey: "hb.request.id"] == "r-1")
    }

    @Test func theAccessLogDurationHasTwoDecimals() {
        let cases: [(Duration, String)] = [
            (.zero, "0.00"), (.nanoseconds(9_999), "0.00"), (.microseconds(10), "0.01"), (.microseconds(1_234), "1.23"),
            (.milliseconds(5), "5.00"), (.seconds(2) + .microseconds(50), "2000.05"), (.seconds(-1), "0.00"),
        ]
        for (elapsed, text) in cases {
            #expect(AccessLog.milliseconds(elapsed) == text, "\(elapsed)")
        }
    }
}
