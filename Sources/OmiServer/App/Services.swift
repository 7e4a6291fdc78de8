import Logging
import OmiStorage
import ServiceLifecycle

/// Runs `pass` at once and then every `interval`, until the service group shuts down.
func everyInterval(_ interval: Duration, _ pass: () async -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        await pass()
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}

/// Keeps the connection pool open while the server runs and closes it after the server has drained.
struct DatabaseService: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        await database.shutdown()
    }
}

/// Fetches the signing keys at startup so the first request does not wait; failure is logged, not fatal.
struct KeyWarmUpService: Service {
    let keyStore: SigningKeyStore

    func run() async throws {
        await keyStore.warmUp()
        try? await gracefulShutdown()
    }
}

/// Development mode is a loaded gun: say so at startup and every 10 minutes (conventions.md §3.6).
struct DevModeWarningService: Service {
    let logger: Logger

    func run() async throws {
        await everyInterval(.seconds(600)) {
            logger.warning("AUTH_DEV_MODE is on: dev:<uid> tokens are accepted; never run this in production")
        }
    }
}

/// Purges expired screen-activity rows (focus.md §2.7) at start and then every hour; reads already hide them, so a
/// missed pass only delays the physical delete. Logs counts, never row content.
struct ScreenActivityRetentionService: Service {
    let repository: any ScreenActivityRepository
    let retentionDays: Int
    let logger: Logger

    func run() async throws {
        await everyInterval(.seconds(3600)) {
            let now = Clock.nowMicros()
            let notBefore = retentionDays > 0 ? now - Int64(retentionDays) * 86_400_000_000 : nil
            do {
                let purged = try await repository.purgeExpired(now: now, notBefore: notBefore)
                if purged > 0 { logger.info("purged expired screen activity", metadata: ["rows": "\(purged)"]) }
            } catch {
                logger.warning("screen activity purge failed; retrying in an hour")
            }
        }
    }
}
