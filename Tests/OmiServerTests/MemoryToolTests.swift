import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Memory tools for the chat agent (knowledge.md §8.3, §8.4, §9)")
struct MemoryToolTests {
    typealias M = MemoryTests

    /// Checks the ToolResponse envelope (§1.6) and returns its `result_text`.
    static func result(_ r: Reply, _ tool: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(r.status == 200, "\(r.text.prefix(300))", sourceLocation: sourceLocation)
        #expect(r.json.keys == ["tool_name", "result_text", "is_error"], sourceLocation: sourceLocation)
        #expect(r.json["tool_name"].string == tool, sourceLocation: sourceLocation)
        let text = r.json["result_text"].string ?? ""
        #expect(r.json["is_error"].bool == text.hasPrefix("Error"), "\(text.prefix(200))", sourceLocation: sourceLocation)
        return text
    }

    /// `get_memories` text with trailing whitespace removed.
    static func memories(_ h: TestHarness, _ query: String = "", as user: String = TestHarness.defaultUser,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let r = try await h.call(.get, "/v1/tools/memories\(query)", as: user)
        return trimmed(result(r, "get_memories", sourceLocation: sourceLocation))
    }

    /// `search_memories` text for `query` (plus spliced `extra` keys), trailing whitespace removed.
    static func search(_ h: TestHarness, _ query: String, _ extra: String = "", as user: String = TestHarness.defaultUser,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let r = try await h.call(.post, "/v1/tools/memories/search", as: user, json: #"{"query":\#(M.quoted(query))\#(extra)}"#)
        return trimmed(result(r, "search_memories", sourceLocation: sourceLocation))
    }

    static func trimmed(_ text: String) -> String {
        var t = Substring(text)
        while let last = t.last, last.isWhitespace { t = t.dropLast() }
        return String(t)
    }

    /// The expected search text: header, then one `- <content>` line per hit (blank lines are not counted).
    static func found(_ query: String, _ contents: [String]) -> String {
        (["Found \(contents.count) memories matching '\(query)':"] + contents.map { "- \($0)" }).joined(separator: "\n")
    }

    /// Search text with blank lines dropped, so a blank line after the header does not matter.
    static func compact(_ text: String) -> String {
        text.components(separatedBy: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.joined(separator: "\n")
    }

    static func naiveDateError(_ key: String, _ value: String) -> String {
        "Error: Invalid \(key) format: \(key) must include timezone in format YYYY-MM-DDTHH:MM:SS+HH:MM "
            + "(e.g., '2024-01-19T15:00:00-08:00'): \(value)"
    }

    @Test(arguments: TestEngine.available)
    func getMemoriesGroupsManualInterestingSystem(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await Self.memories(h) == "No memories found.")
            try await M.create(h, "Sys one", #","category":"system""#)
            #expect(try await Self.memories(h) == "System:\n- Sys one", "empty groups are left out")
            try await M.create(h, "Likes jazz", #","category":"interesting""#)
            try await M.create(h, "Prefers tea")
            let rejected = try await M.create(h, "Rejected fact", #","category":"interesting""#)
            try await M.create(h, "Walks daily", #","category":"hobbies""#)
            try await M.create(h, "Reads sci-fi", #","category":"interesting""#)
            try await M.create(h, "Call mom on Sundays", #","category":"manual""#)
            try await M.create(h, "Secret of B", as: "user-b")
            let id = try #require(rejected["id"].string)
            #expect(try await h.call(.post, "/v3/memories/\(id)/review", json: #"{"value":false}"#).status == 200)

            let text = try await Self.memories(h)
            #expect(text == """
                Manual:
                - Call mom on Sundays
                - Prefers tea

                Interesting:
                - Reads sci-fi
                - Likes jazz

                System:
                - Walks daily
                - Sys one
                """, "\(text)")
            #expect(try await Self.memories(h, "?limit=2") == "Manual:\n- Call mom on Sundays\n- Prefers tea")
            #expect(try await Self.memories(h, "?limit=1&offset=1") == "Manual:\n- Prefers tea")
            #expect(try await Self.memories(h, "?offset=100") == "No memories found.")
            #expect(try await Self.memories(h, "?limit=5000").contains("- Sys one"))
            #expect(try await Self.memories(h, as: "user-b") == "Manual:\n- Secret of B")
            #expect(try await Self.memories(h, as: "user-c") == "No memories found.")
        }
    }

    @Test(arguments: TestEngine.available)
    func getMemoriesValidatesRangesAndDates(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await M.create(h, "Prefers tea")
            for query in ["?limit=0", "?limit=5001", "?limit=-1", "?offset=-1", "?limit=abc"] {
                let r = try await h.call(.get, "/v1/tools/memories\(query)")
                #expect(r.status == 422, "\(query): \(r.text.prefix(200))")
                #expect(!r.text.contains("Prefers tea"), "\(query)")
            }
            for (key, value) in [("start_date", "2030-01-01T00:00:00"), ("end_date", "2000-01-01T00:00:00")] {
                let r = try await h.call(.get, "/v1/tools/memories?\(key)=\(value)")
                #expect(r.json["is_error"].bool == true)
                #expect(Self.result(r, "get_memories") == Self.naiveDateError(key, value))
            }
            let garbage = try await h.call(.get, "/v1/tools/memories?start_date=yesterday")
            #expect(garbage.json["is_error"].bool == true && Self.result(garbage, "get_memories").hasPrefix("Error"))

            #expect(try await Self.memories(h, "?start_date=2000-01-01T00:00:00Z") == "Manual:\n- Prefers tea")
            #expect(try await Self.memories(h, "?start_date=2000-01-01T00:00:00%2B07:00&end_date=2100-01-01T00:00:00%2007:00")
                    == "Manual:\n- Prefers tea")
            #expect(try await Self.memories(h, "?start_date=2100-01-01T00:00:00Z") == "No memories found.")
            #expect(try await Self.memories(h, "?end_date=2000-01-01T00:00:00-08:00") == "No memories found.")
        }
    }

    @Test(arguments: TestEngine.available)
    func searchMatchesRanksAndFormats(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // Created first, so only relevance (three hits against one) can put it first.
            try await M.create(h, "Hiking, hiking and more hiking", #","category":"system""#)
            try await M.create(h, "Loves hiking in the Alps", #","category":"interesting""#)
            try await M.create(h, "Café near the office serves great espresso")
            try await M.create(h, "Prefers morning meetings")
            try await M.create(h, "Hiking boots are in the garage", as: "user-b")

            let hits = ["Hiking, hiking and more hiking", "Loves hiking in the Alps"]
            let text = try await Self.search(h, "hiking")
            #expect(text.hasPrefix("Found 2 memories matching 'hiking':\n"), "\(text)")
            #expect(Self.compact(text) == Self.found("hiking", hits))
            #expect(Self.compact(try await Self.search(h, "HIK")) == Self.found("HIK", hits), "prefix on the last term, any case")
            #expect(Self.compact(try await Self.search(h, "hiking", #","limit":1"#)) == Self.found("hiking", [hits[0]]))
            #expect(Self.compact(try await Self.search(h, "hiking ALPS")) == Self.found("hiking ALPS", [hits[1]]), "AND")
            #expect(try await Self.search(h, "hik alps") == "No memories found matching 'hik alps'.", "only the last term is a prefix")
            let cafe = ["Café near the office serves great espresso"]
            #expect(Self.compact(try await Self.search(h, "cafe")) == Self.found("cafe", cafe), "accents ignored")
            #expect(Self.compact(try await Self.search(h, "CAFÉ espres")) == Self.found("CAFÉ espres", cafe))
            #expect(Self.compact(try await Self.search(h, "office-espresso")) == Self.found("office-espresso", cafe))
            #expect(try await Self.search(h, "zebra") == "No memories found matching 'zebra'.")
            #expect(try await Self.search(h, "garage") == "No memories found matching 'garage'.", "never another user's")
            #expect(Self.compact(try await Self.search(h, "garage", as: "user-b"))
                    == Self.found("garage", ["Hiking boots are in the garage"]))
        }
    }

    @Test(arguments: TestEngine.available)
    func searchFollowsEditsDeletesAndRejections(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try #require(try await M.create(h, "Old wording about kayaks")["id"].string)
            let other = try #require(try await M.create(h, "Kayak club on Saturdays")["id"].string)
            #expect(try await h.call(.patch, "/v3/memories/\(id)", json: #"{"value":"Fresh wording about canoes"}"#).status == 200)
            #expect(try await Self.search(h, "kayaks") == "No memories found matching 'kayaks'.")
            #expect(Self.compact(try await Self.search(h, "canoe")) == Self.found("canoe", ["Fresh wording about canoes"]))
            #expect(try await h.call(.delete, "/v3/memories/\(other)").status == 200)
            #expect(try await Self.search(h, "kayak") == "No memories found matching 'kayak'.")
            #expect(try await h.call(.delete, "/v3/memories").status == 200)
            #expect(try await Self.search(h, "canoe") == "No memories found matching 'canoe'.")
        }
    }

    @Test(arguments: TestEngine.available)
    func searchValidatesQueryAndLimit(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for i in 0..<7 { try await M.create(h, "Daily note \(i)") }
            for blank in ["", "   "] {
                let r = try await h.call(.post, "/v1/tools/memories/search", json: #"{"query":"\#(blank)"}"#)
                #expect(r.json["is_error"].bool == true && Self.result(r, "search_memories") == "Error: query must not be empty")
            }
            for body in [#"{"query":"note","limit":21}"#, #"{"query":"note","limit":0}"#, #"{"limit":5}"#, #"{"query":3}"#] {
                let r = try await h.call(.post, "/v1/tools/memories/search", json: body)
                #expect(r.status == 422, "\(body): \(r.text.prefix(200))")
                #expect(!r.text.contains("Daily note"), "\(body)")
            }
            let five = Self.compact(try await Self.search(h, "note")).components(separatedBy: "\n")
            #expect(five.first == "Found 5 memories matching 'note':" && five.count == 6)
            #expect(five.dropFirst().allSatisfy { $0.hasPrefix("- Daily note ") })
            #expect(five.dropFirst().first == "- Daily note 6", "ties fall back to newest first")
            let all = Self.compact(try await Self.search(h, "daily", #","limit":20"#)).components(separatedBy: "\n")
            #expect(all.first == "Found 7 memories matching 'daily':" && all.count == 8)
            #expect(Array(all.dropFirst()) == (0..<7).reversed().map { "- Daily note \($0)" })
        }
    }

    @Test(arguments: TestEngine.available)
    func hostileQueriesAreLiteralAndNever5xx(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await M.create(h, "Meeting notes for the launch")
            try await M.create(h, "Salt and pepper")
            let meeting = ["Meeting notes for the launch"], salt = ["Salt and pepper"]
            let exact: [(String, [String])] = [
                ("meet*", meeting), ("\"meeting notes\"", meeting), ("NEAR(meeting", []), ("NEAR(salt pepper)", []),
                ("salt AND pepper", salt), ("salt pepper", salt), ("pepper OR salt", []), ("title:meet", []),
                ("-meet", meeting), ("a\"b", []), ("'; DROP TABLE memories; --", []), ("%meet%", meeting), ("🚀salt", salt),
                ("meeting's", []), ("salt & pepper", salt), ("salt | pepper", salt), ("pepper)", salt), ("meet:*", meeting),
            ]
            for (query, hits) in exact {
                let text = try await Self.search(h, query)
                let expected = hits.isEmpty ? "No memories found matching '\(query)'." : Self.found(query, hits)
                #expect(Self.compact(text) == expected, "\(query.debugDescription) → \(text.prefix(200))")
            }
            // Inputs without a usable term: any non-5xx ToolResponse is fine, as long as the envelope holds.
            for query in ["\"", "*", "NEAR(", "(", ")", "&", "!", "|", "\\", "^", ":*", "🚀", "\u{0}", "-", "AND", "NOT"] {
                let r = try await h.call(.post, "/v1/tools/memories/search", json: #"{"query":\#(M.quoted(query))}"#)
                _ = Self.result(r, "search_memories")
            }
            for json in [#"{"query":"\u0000"}"#, #"{"query":"salt\u0000pepper"}"#, #"{"query":"\u0000salt"}"#] {
                let r = try await h.call(.post, "/v1/tools/memories/search", json: json)
                #expect(r.status == 200, "\(json) → \(r.text.prefix(200))")
                _ = Self.result(r, "search_memories")
            }
            let long = try await h.call(.post, "/v1/tools/memories/search",
                                        json: #"{"query":"\#(String(repeating: "salt ", count: 2_000))"}"#)
            #expect(Self.result(long, "search_memories").hasPrefix("Found 1 memories matching"))
            let huge = try await h.call(.post, "/v1/tools/memories/search", json: #"{"query":"\#(String(repeating: "x", count: 10_240))"}"#)
            #expect(Self.result(huge, "search_memories").hasPrefix("No memories found matching"))
            #expect(try await h.count("memories") == 2)
            #expect(Self.compact(try await Self.search(h, "salt")) == Self.found("salt", salt), "the table survived")
        }
    }
}
