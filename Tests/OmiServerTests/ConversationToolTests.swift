import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Conversation tools for the chat agent (knowledge.md §8.1, §8.2)")
struct ConversationToolTests {
    static let older = Timestamp.parse("2026-03-05T14:07:00Z")!
    static let newer = Timestamp.parse("2026-03-06T09:30:00Z")!
    static let newest = Timestamp.parse("2026-03-07T08:00:00Z")!
    static let dentist = Timestamp.parse("2026-03-09T09:00:00Z")!
    /// Text of conversations that must never be listed or found by user-a (wrong status, discarded, other user).
    static let hidden = ["Live draft budget", "Noise chatter budget", "Failed budget", "Merging budget", "Other user budget"]

    static func naiveDateError(_ key: String, _ value: String) -> String {
        "Error: Invalid \(key) format: \(key) must include timezone in format YYYY-MM-DDTHH:MM:SS+HH:MM "
            + "(e.g., '2024-01-19T15:00:00-08:00'): \(value)"
    }

    /// Checks the ToolResponse envelope and returns its `result_text`.
    func result(_ r: Reply, _ tool: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(r.status == 200, "\(r.text.prefix(300))", sourceLocation: sourceLocation)
        #expect(r.json.keys == ["tool_name", "result_text", "is_error"], sourceLocation: sourceLocation)
        #expect(r.json["tool_name"].string == tool, sourceLocation: sourceLocation)
        let text = r.json["result_text"].string ?? ""
        #expect(r.json["is_error"].bool == text.hasPrefix("Error"), "\(text.prefix(200))", sourceLocation: sourceLocation)
        return text
    }

    func list(_ h: TestHarness, _ query: String = "", as uid: String = TestHarness.defaultUser,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        result(try await h.call(.get, "/v1/tools/conversations\(query)", as: uid), "get_conversations", sourceLocation: sourceLocation)
    }

    func find(_ h: TestHarness, _ json: String, as uid: String = TestHarness.defaultUser,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        result(try await h.call(.post, "/v1/tools/conversations/search", as: uid, json: json), "search_conversations",
               sourceLocation: sourceLocation)
    }

    /// Two listed conversations of user-a plus the ones the tools must skip; returns (older, newer) ids.
    @discardableResult
    func seed(_ h: TestHarness) async throws -> (older: String, newer: String) {
        let older = try await h.seedConversation(
            title: "Budget review", overview: "We reviewed the budget.", category: "finance",
            segments: [SeedSegment(text: "Numbers look good.", start: 0, end: 2, speaker: "SPEAKER_01"),
                       SeedSegment(text: "Ship it.", start: 3, end: 4, isUser: true)],
            createdAt: Self.older)
        let newer = try await h.seedConversation(
            title: "sprint planning", overview: "We planned the sprint.", category: "work",
            segments: [SeedSegment(text: "Let's plan the sprint.", start: 0, end: 5)],
            createdAt: Self.newer, events: [SeedEvent(title: "Dentist", start: Self.dentist, duration: 30)],
            actionItems: ["Send the deck"])
        _ = try await h.seedConversation(status: "in_progress", title: "Live draft budget", createdAt: Self.newest)
        _ = try await h.seedConversation(title: "", overview: "Noise chatter budget", createdAt: Self.newest, discarded: true)
        _ = try await h.seedConversation(status: "failed", title: "Failed budget", createdAt: Self.newest)
        _ = try await h.seedConversation(status: "merging", title: "Merging budget", createdAt: Self.newest)
        _ = try await h.seedConversation(uid: "user-b", title: "Other user budget", createdAt: Self.newest)
        return (older, newer)
    }

    @Test(arguments: TestEngine.available)
    func listFormatsEligibleConversationsNewestFirst(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await list(h) == "No conversations found.")
            try await seed(h)
            let text = try await list(h)
            let lines = text.components(separatedBy: "\n")
            let first = try #require(lines.firstIndex(of: "Conversation #1"), "\(text)")
            let second = try #require(lines.firstIndex(of: "Conversation #2"), "\(text)")
            #expect(first == 0 && first < second)
            #expect(!text.contains("Conversation #3"))
            #expect(text.components(separatedBy: "\n\n---------------------\n\n").count == 2)

            let newest = lines[first..<second], oldest = lines[second...]
            #expect(lines[first + 1] == "06 Mar 2026 at 09:30 UTC (Work)")
            #expect(newest.contains { $0.hasPrefix("Started: 06 Mar 2026 at 09:30") })
            #expect(newest.contains { $0.hasPrefix("Finished: 06 Mar 2026 at 09:30") })
            #expect(newest.contains("Sprint planning"), "title with its first letter capitalised")
            #expect(newest.contains("We planned the sprint."))
            #expect(newest.contains("Action Items:") && newest.contains("- Send the deck"))
            #expect(newest.contains("Events:"))
            #expect(newest.contains { $0.hasPrefix("- Dentist (2026-03-09T09:00:00") && $0.hasSuffix(" - 30 minutes)") })
            #expect(newest.contains("Transcript:") && newest.contains("Speaker 0: Let's plan the sprint."))
            #expect(!newest.contains("Budget review"))

            #expect(lines[second + 1] == "05 Mar 2026 at 14:07 UTC (Finance)")
            #expect(oldest.contains("Budget review") && oldest.contains("We reviewed the budget."))
            #expect(oldest.contains("Transcript:") && oldest.contains("Speaker 1: Numbers look good."))
            #expect(oldest.contains { $0.hasSuffix(": Ship it.") && !$0.hasPrefix("Speaker") }, "user segments are labelled with the user")
            #expect(!oldest.contains("Action Items:") && !oldest.contains("Events:"))
            for hidden in Self.hidden { #expect(!text.contains(hidden), "\(hidden)") }

            let bare = try await list(h, "?include_transcript=false")
            #expect(bare.contains("Conversation #2") && bare.contains("Sprint planning") && bare.contains("Budget review"))
            #expect(!bare.contains("Transcript:") && !bare.contains("Numbers look good.") && !bare.contains("Let's plan the sprint."))

            let one = try await list(h, "?limit=1")
            #expect(one.hasPrefix("Conversation #1\n") && one.contains("Sprint planning") && !one.contains("Budget review"))
            let skipped = try await list(h, "?limit=1&offset=1")
            #expect(skipped.contains("Budget review") && !skipped.contains("Sprint planning"))
            #expect(try await list(h, "?offset=2") == "No conversations found.")
            #expect(try await list(h, "?limit=5000").contains("Conversation #2"))
        }
    }

    @Test(arguments: TestEngine.available)
    func listValidatesItsRangesWith422(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await seed(h)
            for query in ["?limit=0", "?limit=5001", "?limit=-1", "?offset=-1", "?limit=abc"] {
                let r = try await h.call(.get, "/v1/tools/conversations\(query)")
                #expect(r.status == 422, "\(query): \(r.text.prefix(200))")
                #expect(!r.json["detail"].array.isEmpty, "\(query)")
            }
            let unauth = try await h.call(.get, "/v1/tools/conversations", as: nil)
            #expect(unauth.status == 401 && !unauth.text.contains("Budget review"))
        }
    }

    @Test(arguments: TestEngine.available)
    func listDatesNeedAnOffsetAndBoundInclusively(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await seed(h)
            let after = try await list(h, "?start_date=2026-03-06T00:00:00Z")
            #expect(after.contains("Sprint planning") && !after.contains("Budget review"))
            // 16:30+07:00 is exactly the newer conversation's 09:30Z: inclusive, and only if the offset is applied.
            for form in ["%2B07:00", "%2007:00"] {
                let from = try await list(h, "?start_date=2026-03-06T16:30:00\(form)")
                #expect(from.contains("Sprint planning") && !from.contains("Budget review"), "\(form)")
                let until = try await list(h, "?end_date=2026-03-06T16:29:59\(form)")
                #expect(until.contains("Budget review") && !until.contains("Sprint planning"), "\(form)")
                let upTo = try await list(h, "?end_date=2026-03-06T16:30:00\(form)")
                #expect(upTo.contains("Budget review") && upTo.contains("Sprint planning"), "\(form)")
            }
            #expect(try await list(h, "?start_date=2026-03-06T16:30:01%2B07:00") == "No conversations found after 2026-03-06.")
            #expect(try await list(h, "?end_date=2000-01-01T00:00:00Z") == "No conversations found before 2000-01-01.")
            #expect(try await list(h, "?start_date=2030-01-01T00:00:00Z&end_date=2030-02-01T00:00:00Z")
                    == "No conversations found between 2030-01-01 and 2030-02-01.")

            let naiveStart = try await h.call(.get, "/v1/tools/conversations?start_date=2030-01-01T00:00:00")
            #expect(naiveStart.status == 200 && naiveStart.json["is_error"].bool == true)
            #expect(result(naiveStart, "get_conversations") == Self.naiveDateError("start_date", "2030-01-01T00:00:00"))
            #expect(try await list(h, "?end_date=2030-01-01T00:00:00") == Self.naiveDateError("end_date", "2030-01-01T00:00:00"))
            let garbage = try await h.call(.get, "/v1/tools/conversations?start_date=yesterday")
            #expect(garbage.json["is_error"].bool == true && result(garbage, "get_conversations").hasPrefix("Error"))
        }
    }

    @Test(arguments: TestEngine.available)
    func searchRanksTheCallersEligibleConversations(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await seed(h)
            _ = try await h.seedConversation(
                title: "Coffee chat", segments: [SeedSegment(text: "The budget is fine.", start: 0, end: 2)], createdAt: Self.newest)

            let text = try await find(h, #"{"query":"budget"}"#)
            #expect(text.hasPrefix("Found 2 conversations semantically matching 'budget':\n\nConversation #1\n05 Mar 2026 at 14:07 UTC (Finance)\n"),
                    "the title hit ranks above the newer transcript-only hit: \(text.prefix(200))")
            let lines = text.components(separatedBy: "\n")
            let second = try #require(lines.firstIndex(of: "Conversation #2"), "\(text)")
            #expect(lines[..<second].contains("Budget review") && lines[second...].contains("Coffee chat"))
            #expect(text.contains("Transcript:") && text.contains("Speaker 0: The budget is fine."))
            #expect(!text.contains("Conversation #3") && !text.contains("Sprint planning"))
            for hidden in Self.hidden { #expect(!text.contains(hidden), "\(hidden)") }

            let prefix = try await find(h, #"{"query":"BUDG","include_transcript":false}"#)
            #expect(prefix.hasPrefix("Found 2 conversations semantically matching 'BUDG':\n\n"))
            #expect(!prefix.contains("Transcript:") && !prefix.contains("The budget is fine."))
            #expect(try await find(h, #"{"query":"sprint planning"}"#)
                .hasPrefix("Found 1 conversations semantically matching 'sprint planning':\n\nConversation #1\n06 Mar 2026 at 09:30 UTC (Work)\n"))
            #expect(try await find(h, #"{"query":"zebra"}"#) == "No conversations found matching 'zebra'.")
            #expect(try await find(h, #"{"query":"-budget*"}"#).hasPrefix("Found 2 conversations semantically matching '-budget*':"))
            #expect(try await find(h, #"{"query":"budget AND \"("}"#).hasPrefix("No conversations found matching"),
                    "AND is a literal word here")
        }
    }

    @Test(arguments: TestEngine.available)
    func searchValidatesQueryLimitAndDates(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await seed(h)
            for i in 0..<7 {
                _ = try await h.seedConversation(title: "Daily standup \(i)", createdAt: Self.newest.addingTimeInterval(Double(i)))
            }
            for blank in [#"{"query":""}"#, #"{"query":"   "}"#] {
                let r = try await h.call(.post, "/v1/tools/conversations/search", json: blank)
                #expect(r.json["is_error"].bool == true && result(r, "search_conversations") == "Error: query must not be empty")
            }
            for body in [#"{"query":"standup","limit":21}"#, #"{"query":"standup","limit":0}"#, #"{"limit":5}"#, #"{"query":3}"#] {
                let r = try await h.call(.post, "/v1/tools/conversations/search", json: body)
                #expect(r.status == 422, "\(body): \(r.text.prefix(200))")
            }
            let five = try await find(h, #"{"query":"standup"}"#)
            #expect(five.hasPrefix("Found 5 conversations semantically matching 'standup':") && five.contains("Conversation #5"))
            #expect(!five.contains("Conversation #6"))
            #expect(five.components(separatedBy: "\n").dropFirst(2).first == "Conversation #1")
            #expect(five.contains("Daily standup 6") && !five.contains("Daily standup 0"), "ties fall back to newest first")
            #expect(try await find(h, #"{"query":"standup","limit":2}"#).hasPrefix("Found 2 conversations"))
            #expect(try await find(h, #"{"query":"standup","limit":20}"#).hasPrefix("Found 7 conversations"))

            // 21:07+07:00 is the budget review's 14:07Z.
            #expect(try await find(h, #"{"query":"budget","start_date":"2026-03-05T21:07:00+07:00"}"#)
                .hasPrefix("Found 1 conversations semantically matching 'budget':"))
            #expect(try await find(h, #"{"query":"budget","end_date":"2026-03-05T21:06:59+07:00"}"#)
                == "No conversations found matching 'budget'.")
            #expect(try await find(h, #"{"query":"budget","start_date":"2030-01-01T00:00:00"}"#)
                == Self.naiveDateError("start_date", "2030-01-01T00:00:00"))
            #expect(try await find(h, #"{"query":"budget","end_date":"2030-01-01T00:00:00"}"#)
                == Self.naiveDateError("end_date", "2030-01-01T00:00:00"))
        }
    }

    @Test(arguments: TestEngine.available)
    func toolsNeverShowAnotherUsersConversations(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let alpha = try await h.seedConversation(uid: "user-a", title: "Alpha budget", createdAt: Self.older)
            let beta = try await h.seedConversation(uid: "user-b", title: "Beta budget", createdAt: Self.newer)

            let bList = try await list(h, as: "user-b")
            #expect(bList.contains("Beta budget") && !bList.contains("Alpha") && !bList.contains("Conversation #2"))
            let bFound = try await find(h, #"{"query":"budget"}"#, as: "user-b")
            #expect(bFound.hasPrefix("Found 1 conversations semantically matching 'budget':") && bFound.contains("Beta budget"))
            #expect(!bFound.contains("Alpha"))
            #expect(try await find(h, #"{"query":"alpha"}"#, as: "user-b") == "No conversations found matching 'alpha'.")
            #expect(try await find(h, #"{"query":"\#(alpha)"}"#, as: "user-b") == "No conversations found matching '\(alpha)'.")

            let aList = try await list(h)
            #expect(aList.contains("Alpha budget") && !aList.contains("Beta"))
            #expect(try await find(h, #"{"query":"beta"}"#) == "No conversations found matching 'beta'.")
            #expect(try await list(h, as: "user-c") == "No conversations found.")
            #expect(try await find(h, #"{"query":"budget"}"#, as: "user-c") == "No conversations found matching 'budget'.")
            #expect(!beta.isEmpty)
            #expect(try await h.count("conversations", uid: "user-b") == 1)
            #expect(try await h.count("conversations", uid: "user-a") == 1)
        }
    }
}
