import Foundation
import Logging
import PostgresNIO

/// The database could not be opened or migrated at start-up, with a reason an operator can act on.
///
/// PostgresNIO's own description is a fixed "Generic description to prevent accidental leakage" line, which left an
/// operator with a wrong database name or a stopped server nothing to go on. The reason here is the server's message
/// and SQLSTATE, or the connection's underlying error; never the URL, which may hold a password.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    public let reason: String

    public init(_ error: any Error) {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                reason = message + state
            } else if let underlying = error.underlying {
                reason = "\(error.code): \(underlying)"
            } else {
                reason = "\(error.code)"
            }
        } else if let error = error as? CocoaError {
            reason = [error.filePath, error.localizedDescription].compactMap { $0 }.joined(separator: ": ")
        } else {
            reason = "\(error)"
        }
    }

    public var description: String { "cannot open the database: \(reason)" }
}

extension Database {
    /// Opens the database (creating SQLite's directory) and applies pending migrations. Any failure is a
    /// `DatabaseUnavailable`, with the connections already closed.
    public static func openMigrated(_ location: DatabaseLocation, logger: Logger,
                                    maxConnections: Int? = nil) async throws -> (Database, applied: [Int]) {
        let database: Database
        do {
            if case .sqlite(let path) = location {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
            }
            database = try Database(location, logger: logger, maxConnections: maxConnections)
        } catch {
            throw DatabaseUnavailable(error)
        }
        do {
            return (database, try await database.migrate())
        } catch {
            await database.shutdown()
            throw DatabaseUnavailable(error)
        }
    }
}
