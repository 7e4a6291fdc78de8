import Foundation
import OmiStorage
@testable import OmiServer

extension TestHarness {
    /// Moves the user's BYOK heartbeat `seconds` into the past, as if the keys were last seen then.
    func backdateBYOKLastSeen(uid: String = defaultUser, by seconds: Int64) async throws {
        let micros = Clock.nowMicros() - seconds * 1_000_000
        try await database.withConnection { db in
            try await db.raw("UPDATE users SET byok_last_seen_at = \(bind: micros) WHERE uid = \(bind: uid)").run()
        }
    }

    /// The stored BYOK heartbeat, in microseconds.
    func byokLastSeen(uid: String = defaultUser) async throws -> Int64? {
        try await database.withConnection { db in
            try await db.raw("SELECT byok_last_seen_at FROM users WHERE uid = \(bind: uid)").first()?
                .decode(column: "byok_last_seen_at", as: Int64?.self)
        }
    }

    /// The stored assistant-settings column as text (nil when never written).
    func storedAssistantSettings(uid: String = defaultUser) async throws -> String? {
        try await database.withConnection { db in
            try await db.raw("SELECT assistant_settings FROM users WHERE uid = \(bind: uid)").first()?
                .decode(column: "assistant_settings", as: String?.self)
        }
    }
}
