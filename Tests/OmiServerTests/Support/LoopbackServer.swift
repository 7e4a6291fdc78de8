import Hummingbird
import Synchronization

/// One fake upstream on a loopback port, started on first use and kept for the whole test process.
final class LoopbackServer: Sendable {
    private let port = Mutex<Int?>(nil)
    private let started = Mutex(false)

    /// The port, starting the server with `router` the first time.
    func port(router: () -> Router<BasicRequestContext>) async throws -> Int {
        let shouldStart = started.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        if shouldStart {
            let app = Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { [self] channel in port.withLock { $0 = channel.localAddress?.port } })
            Task.detached { try await app.runService(gracefulShutdownSignals: []) }
        }
        for _ in 0..<500 {
            if let port = port.withLock({ $0 }) { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }
}
