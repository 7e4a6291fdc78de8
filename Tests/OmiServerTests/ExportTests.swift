import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Account export (users.md §16)")
struct ExportTests {
    static let keys: Set<String> = [
        "schema_version", "exported_at", "profile", "conversations", "memories", "people", "action_items",
        "staged_tasks", "goals", "folders", "chat_sessions", "chat_messages", "knowledge_graph", "focus_sessions",
        "advice", "screen_activity", "daily_summaries", "llm_usage", "apps",
    ]

    @Test(arguments: TestEngine.available)
    func exportHoldsEveryDomainOfTheCallerOnlyAndNoSecrets(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await AccountDeletionTests.populate(h, "user-a")
            _ = try await AccountDeletionTests.populate(h, "user-b")
            // A deleted task and a dismissed memory are still the user's data.
            let extra = try #require(try await h.call(.post, "/v1/action-items", json: #"{"description":"Gone"}"#).json["id"].string)
            #expect(try await h.call(.post, "/v1/action-items/\(extra)/soft-delete", json: #"{"deleted_by":"user"}"#).status == 200)

            let r = try await h.call(.get, "/v1/users/export")
            #expect(r.status == 200)
            #expect(r.headers[.contentDisposition] == #"attachment; filename="omi-export.json""#)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            let doc = r.json
            #expect(doc.keys == Self.keys)
            #expect(doc["schema_version"].int == 1)
            #expect(Timestamp.parseMicros(doc["exported_at"].string ?? "") != nil)
            #expect(doc["profile"]["uid"].string == "user-a" && doc["profile"]["job"].string == "Engineer")
            #expect(doc["profile"]["assistant_settings"]["update_channel"].string == "beta")
            #expect(doc["profile"]["ai_profile"]["profile_text"].string == "Profile of user-a")
            #expect(doc["profile"]["daily_summary"] == .object(["enabled": .bool(true), "hour": .int(22)]))
            // The enrolled fingerprint (64 × "a") is a secret and appears nowhere.
            #expect(!r.text.contains(String(repeating: "a", count: 64)))
            #expect(!r.text.contains("byok"))

            var descriptions: [String] = []
            for item in doc["action_items"].array { descriptions.append(item["description"].string ?? "") }
            #expect(descriptions.contains("Task of user-a") && descriptions.contains("Gone"))
            #expect(!descriptions.contains("Task of user-b"))
            #expect(doc["memories"].array.count == 1 && doc["memories"][0]["content"].string == "Memory of user-a")
            #expect(doc["people"].array.count == 1 && doc["people"][0]["name"].string == "Person of user-a")
            #expect(doc["conversations"].array.count == 1)
            #expect(doc["folders"].array.count == 11)
            #expect(doc["goals"].array.count == 1 && doc["staged_tasks"].array.count == 1)
            #expect(doc["chat_sessions"].array.count == 1 && doc["chat_messages"].array.count == 1)
            #expect(doc["chat_messages"][0]["text"].string == "hi")
            #expect(doc["knowledge_graph"]["nodes"].array.count == 1 && doc["knowledge_graph"]["edges"].array.count == 1)
            var buckets: [String] = []
            for day in doc["llm_usage"].array { buckets.append(day["bucket"].string ?? "") }
            #expect(buckets.sorted() == ["desktop_chat", "desktop_chat_omi"])
            #expect(doc["focus_sessions"].array.count == 1 && doc["focus_sessions"][0]["app_or_site"].string == "Site of user-a")
            #expect(doc["advice"].array.count == 1 && doc["advice"][0]["content"].string == "Advice for user-a")
            // Screen rows without their embeddings; B's row under the same device and id stays B's.
            #expect(doc["screen_activity"].array.count == 1 && doc["screen_activity"][0]["ocrText"].string == "Screen of user-a")
            #expect(!doc["screen_activity"][0].has("embedding"))
            #expect(doc["daily_summaries"] == .array([]))
            #expect(doc["apps"].array.count == 1 && doc["apps"][0]["name"].string == "Persona of user-a")
            // The slot is released: a second export after the first one runs.
            #expect(try await h.call(.get, "/v1/users/export").status == 200)
            #expect(try await h.count("export_runs") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func aSecondConcurrentExportIsRefused(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // Another instance holds A's export slot.
            let now = Clock.nowMicros()
            try await h.database.withConnection { db in
                try await db.raw("INSERT INTO export_runs (uid, started_at) VALUES ('user-a', \(bind: now))").run()
            }
            let refused = try await h.call(.get, "/v1/users/export")
            #expect(refused.status == 429 && refused.detail == "An export is already in progress")
            #expect(try await h.call(.get, "/v1/users/export", as: "user-b").status == 200)
            // A slot left by an instance that died ten minutes ago no longer blocks.
            let stale = now - 601_000_000
            try await h.database.withConnection { db in
                try await db.raw("UPDATE export_runs SET started_at = \(bind: stale) WHERE uid = 'user-a'").run()
            }
            #expect(try await h.call(.get, "/v1/users/export").status == 200)
            #expect(try await h.call(.get, "/v1/users/export", as: nil).status == 401)
        }
    }
}
