import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Task tools for the chat agent (tasks.md §4)")
struct TaskToolTests {
    typealias JSON = Wire.JSONValue

    /// Checks the ToolResponse envelope and returns its `result_text`.
    func result(_ r: Reply, _ tool: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.json.keys == ["tool_name", "result_text", "is_error"], sourceLocation: sourceLocation)
        #expect(r.json["tool_name"].string == tool, sourceLocation: sourceLocation)
        let text = r.json["result_text"].string ?? ""
        #expect(r.json["is_error"].bool == text.hasPrefix("Error"), "\(text)", sourceLocation: sourceLocation)
        return text
    }

    func list(_ h: TestHarness, _ query: String = "", as uid: String = TestHarness.defaultUser) async throws -> String {
        let r = try await h.call(.get, "/v1/tools/action-items\(query)", as: uid)
        return result(r, "get_action_items")
    }

    func create(_ h: TestHarness, _ body: String, as uid: String = TestHarness.defaultUser) async throws -> String {
        let r = try await h.call(.post, "/v1/tools/action-items", as: uid, json: body)
        return result(r, "create_action_item")
    }

    func update(_ h: TestHarness, _ id: String, _ body: String, as uid: String = TestHarness.defaultUser) async throws -> String {
        let r = try await h.call(.patch, "/v1/tools/action-items/\(id)", as: uid, json: body)
        return result(r, "update_action_item")
    }

    /// Creates a task through the ordinary API and returns its id.
    @discardableResult
    func task(_ h: TestHarness, _ body: String, as uid: String = TestHarness.defaultUser) async throws -> String {
        try #require(try await h.call(.post, "/v1/action-items", as: uid, json: body).json["id"].string)
    }

    func item(_ h: TestHarness, _ id: String) async throws -> JSON { try await h.call(.get, "/v1/action-items/\(id)").json }

    func items(_ h: TestHarness, as uid: String = TestHarness.defaultUser) async throws -> [JSON] {
        try await h.call(.get, "/v1/action-items?limit=100", as: uid).json["action_items"].array
    }

    @Test(arguments: TestEngine.available)
    func getListsTasksWithTheirIds(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await list(h) == "No action items found.")
            #expect(try await list(h, "?completed=false") == "No pending action items found.")
            #expect(try await list(h, "?completed=true") == "No completed action items found.")
            let pending = try await task(h, #"{"description":"Email Anna","due_at":"2030-03-05T09:30:00Z","conversation_id":"conv-1"}"#)
            let done = try await task(h, #"{"description":"Call Bob","completed":true}"#)
            let hidden = try await task(h, #"{"description":"Hidden chore"}"#)
            try await h.call(.post, "/v1/action-items/\(hidden)/soft-delete", json: #"{"deleted_by":"user"}"#)

            let text = try await list(h)
            #expect(text.hasPrefix("User Action Items (2 total):\n\n"))
            let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.contains { $0.hasPrefix("1. ") && $0.contains("⬜ Pending") && $0.hasSuffix("Email Anna") })
            #expect(lines.contains { $0.hasPrefix("2. ") && $0.contains("✅ Completed") && $0.hasSuffix("Call Bob") })
            #expect(lines.contains("ID: \(pending)") && lines.contains("ID: \(done)"))
            #expect(lines.contains("Due: 2030-03-05 09:30 UTC") && lines.contains("From conversation: conv-1"))
            #expect(lines.contains { $0.hasPrefix("Created: ") && $0.hasSuffix(" UTC") })
            #expect(lines.contains { $0.hasPrefix("Completed: ") && $0.hasSuffix(" UTC") })
            #expect(!text.contains("Hidden chore") && !text.contains(hidden))

            let onlyPending = try await list(h, "?completed=false")
            #expect(onlyPending.hasPrefix("User Action Items (1 total):") && onlyPending.contains(pending) && !onlyPending.contains(done))
            let onlyDone = try await list(h, "?completed=1")
            #expect(onlyDone.hasPrefix("User Action Items (1 total):") && onlyDone.contains(done) && !onlyDone.contains(pending))
            // An offset sent as %2B; the due range is inclusive at both ends and excludes undated tasks.
            #expect(try await list(h, "?start_date=2020-01-01T00:00:00%2B02:00").hasPrefix("User Action Items (2 total):"))
            let due = try await list(h, "?due_start_date=2030-03-05T11:30:00%2B02:00&due_end_date=2030-03-05T09:30:00.000Z")
            #expect(due.hasPrefix("User Action Items (1 total):") && due.contains(pending) && !due.contains(done))
            let future = try await list(h, "?start_date=2099-01-01T00:00:00Z")
            #expect(future.hasPrefix("No action items found") && !future.contains(pending))
        }
    }

    @Test(arguments: TestEngine.available)
    func getReportsBadDatesInTheTextAndRefusesBadPaging(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await task(h, #"{"description":"Something"}"#)
            let naive = try await h.call(.get, "/v1/tools/action-items?start_date=2026-03-01T00:00:00")
            #expect(naive.json["is_error"].bool == true)
            #expect(result(naive, "get_action_items").hasPrefix("Error: Invalid start_date format"))
            let garbage = try await h.call(.get, "/v1/tools/action-items?due_end_date=soon")
            #expect(garbage.json["is_error"].bool == true)
            #expect(result(garbage, "get_action_items").hasPrefix("Error: Invalid due_end_date format"))
            for bad in ["limit=501", "limit=0", "offset=-1", "limit=ten", "completed=maybe"] {
                let r = try await h.call(.get, "/v1/tools/action-items?\(bad)")
                #expect(r.status == 422 && r.json["detail"][0]["loc"][0].string == "query", "\(bad)")
            }
            #expect(try await list(h, "?limit=500&offset=0").hasPrefix("User Action Items (1 total):"))
            #expect(try await h.call(.get, "/v1/tools/action-items", as: nil).status == 401)
        }
    }

    @Test(arguments: TestEngine.available)
    func createAddsATaskOrExplainsWhyNot(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let blank = try await h.call(.post, "/v1/tools/action-items", json: #"{"description":"   "}"#)
            #expect(blank.json["is_error"].bool == true)
            #expect(result(blank, "create_action_item") == "Error: Description is required.")
            let twoDaysAgo = Timestamp.format(Date().addingTimeInterval(-2 * 86_400))
            let past = try await h.call(.post, "/v1/tools/action-items", json: #"{"description":"Too late","due_at":"\#(twoDaysAgo)"}"#)
            #expect(past.json["is_error"].bool == true)
            #expect(result(past, "create_action_item").hasPrefix("Error: due_at '\(twoDaysAgo)' is in the past. Current time is "))
            let naive = try await create(h, #"{"description":"No zone","due_at":"2030-03-05T09:00:00"}"#)
            #expect(naive.hasPrefix("Error: Invalid due_at format"))
            for bad in ["{}", #"{"description":5}"#, #"{"description":"x","due_at":5}"#, #"{"description":"x","conversation_id":[]}"#] {
                #expect(try await h.call(.post, "/v1/tools/action-items", json: bad).status == 422, "\(bad)")
            }
            #expect(try await h.count("action_items") == 0)

            #expect(try await create(h, #"{"description":"Water plants","due_at":null}"#) == "✅ Added: Water plants")
            let dated = try await create(h, #"{"description":"Book dentist","due_at":"2030-03-05T11:00:00+02:00","conversation_id":"conv-9"}"#)
            #expect(dated == "✅ Added: Book dentist (due Mar 05)")
            // Within the last 24 hours is still accepted.
            let recent = Timestamp.format(Date().addingTimeInterval(-3600))
            #expect(try await create(h, #"{"description":"Just missed","due_at":"\#(recent)"}"#).hasPrefix("✅ Added: Just missed (due "))
            let stored = try await items(h)
            let plants = try #require(stored.first { $0["description"].string == "Water plants" })
            #expect(plants["due_at"].isNull && plants["from_staged"].bool == false && plants["completed"].bool == false)
            let dentist = try #require(stored.first { $0["description"].string == "Book dentist" })
            #expect(dentist["due_at"].string.flatMap(Timestamp.parse) == Timestamp.parse("2030-03-05T09:00:00Z"))
            #expect(dentist["conversation_id"].string == "conv-9")
            // An agent retry returns the existing active task.
            #expect(try await create(h, #"{"description":"Water plants"}"#) == "✅ Added: Water plants")
            #expect(try await create(h, #"{"description":"  water PLANTS "}"#).hasPrefix("✅ Added: "))
            #expect(try await h.count("action_items") == 3)
            #expect(try await h.call(.post, "/v1/tools/action-items", as: nil, json: #"{"description":"x"}"#).status == 401)
        }
    }

    @Test(arguments: TestEngine.available)
    func updateAppliesChangesOrExplainsWhyNot(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let unknown = try await h.call(.patch, "/v1/tools/action-items/nope", json: #"{"completed":true}"#)
            #expect(unknown.json["is_error"].bool == true)
            #expect(result(unknown, "update_action_item") == "Error: Action item 'nope' not found.")
            #expect(try await h.count("action_items") == 0)
            let id = try await task(h, #"{"description":"Draft memo","due_at":"2030-03-01T10:00:00Z"}"#)
            let original = try await item(h, id)
            for empty in ["{}", #"{"completed":null,"description":null,"due_at":null}"#] {
                let r = try await h.call(.patch, "/v1/tools/action-items/\(id)", json: empty)
                #expect(r.json["is_error"].bool == false)
                #expect(result(r, "update_action_item") == "No changes specified.")
            }
            #expect(try await item(h, id)["due_at"] == original["due_at"])

            #expect(try await update(h, id, #"{"completed":true}"#) == "✅ Updated 'Draft memo': marked as completed")
            let completed = try await item(h, id)
            #expect(completed["completed"].bool == true && completed["completed_at"].string != nil)
            #expect(try await update(h, id, #"{"completed":false}"#) == "✅ Updated 'Draft memo': marked as pending")
            let reopened = try await item(h, id)
            #expect(reopened["completed"].bool == false && reopened["completed_at"].isNull)

            #expect(try await update(h, id, #"{"description":"Final memo"}"#) == "✅ Updated 'Final memo': description updated to 'Final memo'")
            #expect(try await update(h, id, #"{"description":"  Last memo  "}"#).hasPrefix("✅ Updated 'Last memo': description updated to '"))
            #expect(try await item(h, id)["description"].string == "Last memo")
            #expect(try await update(h, id, #"{"due_at":"2030-03-05T11:30:00+02:00"}"#) == "✅ Updated 'Last memo': due date set to 2030-03-05 09:30")
            #expect(try await item(h, id)["due_at"].string.flatMap(Timestamp.parse) == Timestamp.parse("2030-03-05T09:30:00Z"))

            let bad = try await h.call(.patch, "/v1/tools/action-items/\(id)", json: #"{"due_at":"next week"}"#)
            #expect(bad.json["is_error"].bool == true)
            #expect(result(bad, "update_action_item").hasPrefix("Error: Invalid due_at format"))
            #expect(try await item(h, id)["due_at"].string.flatMap(Timestamp.parse) == Timestamp.parse("2030-03-05T09:30:00Z"))

            let both = try await update(h, id, #"{"completed":true,"due_at":"2030-03-06T08:00:00Z"}"#)
            #expect(both.hasPrefix("✅ Updated 'Last memo': ") && both.contains("marked as completed") && both.contains(", ")
                    && both.contains("due date set to 2030-03-06 08:00"))
            #expect(try await item(h, id)["completed"].bool == true)
            #expect(try await h.call(.patch, "/v1/tools/action-items/\(id)", json: #"{"completed":"yes"}"#).status == 422)
            #expect(try await h.call(.patch, "/v1/tools/action-items/\(id)", as: nil, json: "{}").status == 401)
            #expect(try await h.count("action_items") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func toolsSeeOnlyTheCallersTasks(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let mine = try await task(h, #"{"description":"A's secret"}"#)
            #expect(try await list(h, as: "user-b") == "No action items found.")
            let foreign = try await update(h, mine, #"{"completed":true,"description":"taken"}"#, as: "user-b")
            #expect(foreign == "Error: Action item '\(mine)' not found.")
            let untouched = try await item(h, mine)
            #expect(untouched["completed"].bool == false && untouched["description"].string == "A's secret")
            // B's create is not matched against A's task.
            #expect(try await create(h, #"{"description":"A's secret"}"#, as: "user-b") == "✅ Added: A's secret")
            let theirs = try #require(try await items(h, as: "user-b").first?["id"].string)
            #expect(theirs != mine)
            #expect(try await h.count("action_items") == 1)
            #expect(try await h.count("action_items", uid: "user-b") == 1)
            let own = try await list(h)
            #expect(own.hasPrefix("User Action Items (1 total):") && own.contains(mine) && !own.contains(theirs))
        }
    }
}
