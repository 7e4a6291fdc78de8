import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OmiServer
import OmiStorage
import ServiceLifecycle

@main
struct OmiBackend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omi-backend",
        abstract: "The Omi desktop backend: one server behind both of the desktop app's base URLs.",
        subcommands: [Serve.self, Migrate.self, Token.self, ValidateCatalog.self, Release.self, Smoke.self, Parity.self],
        defaultSubcommand: Serve.self)
}

/// Reads the settings or exits naming every problem.
func loadSettings() -> Settings {
    do {
        return try Settings.fromEnvironment()
    } catch {
        FileHandle.standardError.write(Data("omi-backend: \(error)\n".utf8))
        Foundation.exit(78)
    }
}

/// Runs `body`; when the database cannot be opened, says why and exits 69 (EX_UNAVAILABLE) rather than throwing
/// PostgresNIO's generic description at the operator.
func exitingIfUnavailable<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as DatabaseUnavailable {
        FileHandle.standardError.write(Data("omi-backend: \(error)\n".utf8))
        throw ExitCode(69)
    }
}

func makeLogger(_ settings: Settings) -> Logger {
    var logger = Logger(label: "omi-backend", factory: ServerLogHandler.standardError)
    logger.logLevel = settings.logLevel
    return logger
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (applies pending migrations first).")

    func run() async throws {
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        let settings = loadSettings()
        let logger = makeLogger(settings)
        let app = try await exitingIfUnavailable { try await buildApplication(settings: settings, logger: logger) }
        let storage = switch settings.databaseLocation {
        case .sqlite(let path): "SQLite at \(path)"
        case .postgres: "PostgreSQL"
        }
        let token = settings.authDevMode ? "dev:alice" : "<Firebase ID token>"
        // Written unbuffered, so the line shows at once when stdout is a pipe or a log file.
        FileHandle.standardOutput.write(Data("""
            omi-backend \(serverVersion) listening on http://\(settings.host):\(settings.port) (\(storage))
            try:  curl -s -H 'Authorization: Bearer \(token)' -X POST http://\(settings.host):\(settings.port)/v2/chat-sessions -d '{"title":"hello"}'

            """.utf8))
        // The grace period bounds how long requests in flight may keep the process after SIGTERM; past it the group
        // cancels what is left rather than waiting for the platform's SIGKILL.
        var group = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
                                              logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(settings.shutdownGraceSeconds)
        group.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: group).run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    func run() async throws {
        var settings = loadSettings()
        settings.logLevel = max(settings.logLevel, .info)
        let logger = makeLogger(settings)
        let (database, applied) = try await exitingIfUnavailable {
            try await Database.openMigrated(settings.databaseLocation, logger: logger)
        }
        do {
            print(applied.isEmpty ? "schema is up to date (version \(try await database.schemaVersion() ?? 0))"
                                  : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
            await database.shutdown()
        } catch {
            await database.shutdown()
            throw error
        }
    }
}

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a development token for a uid (accepted only while AUTH_DEV_MODE=true).")

    @Argument(help: "The uid to act as ([A-Za-z0-9_-], at most 128 characters).")
    var uid: String

    func validate() throws {
        guard (1...128).contains(uid.utf8.count),
              uid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw ValidationError("uid must match ^[A-Za-z0-9_-]{1,128}$")
        }
    }

    func run() {
        print("dev:\(uid)")
    }
}

struct ValidateCatalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-catalog",
        abstract: "Check an apps catalogue file (APPS_CATALOG_PATH) without starting the server.")

    @Argument(help: "The catalogue JSON file.")
    var path: String

    func run() throws {
        switch validateAppsCatalog(path: path) {
        case .success(let summary):
            print(summary)
        case .failure(let problems):
            FileHandle.standardError.write(Data("\(problems)\n".utf8))
            throw ExitCode(65)
        }
    }
}
