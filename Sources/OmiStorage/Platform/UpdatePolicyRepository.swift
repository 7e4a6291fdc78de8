import SQLKit

/// The stored update-banner policy as JSON text (platform.md §1.5); readers normalise it, so records imported from
/// older backends with legacy keys still read.
public protocol UpdatePolicyRepository: Sendable {
    func current() async throws -> String?
    /// Replaces the whole record.
    func replace(_ policy: String, now: Int64) async throws
}

public struct SQLUpdatePolicyRepository: UpdatePolicyRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func current() async throws -> String? {
        try await database.withConnection { db in
            try await db.raw("SELECT policy FROM update_policy WHERE slot = 'current'").first()?
                .decode(column: "policy", as: String.self)
        }
    }

    public func replace(_ policy: String, now: Int64) async throws {
        try await database.withConnection { db in
            try await db.raw("""
                INSERT INTO update_policy (slot, policy, updated_at) VALUES ('current', \(bind: policy), \(bind: now))
                ON CONFLICT (slot) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at
                """).run()
        }
    }
}
