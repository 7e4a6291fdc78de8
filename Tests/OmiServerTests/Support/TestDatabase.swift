import Foundation
import Logging
import NIOCore
import OmiStorage

/// The engines the suite runs against: SQLite always; PostgreSQL when `TEST_POSTGRES_URL` names a server
/// (`.ci/run` starts one and sets it, and requires it on CI so a missing server cannot pass silently).
enum TestEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var available: [TestEngine] {
        ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"].map { _ in [.sqlite, .postgres] } ?? [.sqlite]
    }

    var testDescription: String { rawValue }
}

import Testing

/// A fresh, migrated database for one test: a temporary SQLite file, or a new PostgreSQL database dropped afterwards.
/// `migrations` are the ones applied: all of them, unless a test of a later migration starts before it.
func withTestDatabase<T: Sendable>(_ engine: TestEngine, migrations: [Migration] = Migrations.all,
                                   _ body: (Database) async throws -> T) async throws -> T {
    var logger = Logger(label: "test-db")
    logger.logLevel = .warning
    switch engine {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omi-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try Database(.sqlite(path: directory.appendingPathComponent("omi.sqlite").path), logger: logger)
        do {
            try await database.migrate(migrations)
            let result = try await body(database)
            await database.shutdown()
            return result
        } catch {
            await database.shutdown()
            throw error
        }
    case .postgres:
        guard let adminURL = ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] else {
            throw TestDatabaseError.postgresNotConfigured
        }
        // Every test starts at once; bounding the live databases bounds the server's connections (about five each).
        await PostgresSlots.shared.acquire()
        defer { Task { await PostgresSlots.shared.release() } }
        let name = "omi_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try Database(.postgres(url: adminURL), logger: logger, maxConnections: 1,
                                 connectionWait: .seconds(120))
        do {
            try await admin.withConnection { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        } catch {
            // A pool must be shut down before it is released, even when its first connection failed.
            await admin.shutdown()
            throw error
        }
        // A small pool per test, and patience: the whole suite runs at once against one server on two cores.
        let database = try Database(.postgres(url: TestURLs.replacingDatabase(in: adminURL, with: name)), logger: logger,
                                    maxConnections: 4, connectionWait: .seconds(120))
        func cleanup() async {
            await database.shutdown()
            try? await admin.withConnection { db in try await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
            await admin.shutdown()
        }
        do {
            try await database.migrate(migrations)
            let result = try await body(database)
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }
}

enum TestURLs {
    /// `postgres://u:p@h:5432/postgres` → `postgres://u:p@h:5432/<name>`.
    static func replacingDatabase(in url: String, with name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }
}

/// At most `limit` PostgreSQL test databases at a time, so the suite never exceeds the server's max_connections.
actor PostgresSlots {
    static let shared = PostgresSlots(limit: 96)
    let limit: Int
    private var used = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        if used < limit {
            used += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot straight to the next waiter, or frees it.
    func release() {
        if waiting.isEmpty { used -= 1 } else { waiting.removeFirst().resume() }
    }
}

enum TestDatabaseError: Error {
    case postgresNotConfigured
}
