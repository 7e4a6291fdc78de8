import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Conversation search (knowledge.md §3.7, §9)")
struct ConversationSearchTests {
    typealias JSON = Wire.JSONValue

    static let base = Timestamp.parse("2026-03-05T00:00:00Z")!

    /// `base` plus whole minutes, so bounds and orders are exact.
    static func at(_ minutes: Int) -> Date { base.addingTimeInterval(Double(minutes) * 60) }

    /// A Swift string as a JSON string literal (quotes, backslashes and control characters escaped).
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    static func body(_ query: String, _ extra: String = "") -> String { #"{"query":\#(quoted(query))\#(extra)}"# }

    /// Posts a raw JSON body, requires 200 and returns the reply's JSON.
    func search(_ h: TestHarness, _ json: String, as uid: String = TestHarness.defaultUser,
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        let r = try await h.call(.post, "/v1/conversations/search", as: uid, json: json)
        try #require(r.status == 200, "\(json.prefix(120)) → \(r.status) \(r.text.prefix(300))", sourceLocation: sourceLocation)
        return r.json
    }

    /// Ids of the items served for `query` (plus spliced `extra` body keys), in order.
    func ids(_ h: TestHarness, _ query: String, _ extra: String = "", as uid: String = TestHarness.defaultUser,
             sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        try await search(h, Self.body(query, extra), as: uid, sourceLocation: sourceLocation)["items"].array
            .compactMap { $0["id"].string }
    }

    @Test(arguments: TestEngine.available)
    func matchesTitleOverviewAndTranscript(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let inTitle = try await h.seedConversation(title: "Quarterly budget review", createdAt: Self.at(0))
            let inOverview = try await h.seedConversation(title: "Weekly sync", overview: "We discussed the budget.", createdAt: Self.at(1))
            let inTranscript = try await h.seedConversation(
                title: "Call notes", segments: [SeedSegment(text: "The budget is tight.", start: 0, end: 2)], createdAt: Self.at(2))
            _ = try await h.seedConversation(title: "Lunch plans", overview: "Pizza", createdAt: Self.at(3))

            let reply = try await search(h, #"{"query":"budget"}"#)
            #expect(reply.keys == ["items", "total_pages", "current_page", "per_page"])
            #expect(reply["total_pages"].int == 1 && reply["current_page"].int == 1 && reply["per_page"].int == 10)
            let items = reply["items"].array
            #expect(Set(items.compactMap { $0["id"].string }) == [inTitle, inOverview, inTranscript])
            #expect(items.count == 3)
            for item in items {
                #expect(item.has("created_at") && item["structured"].has("title") && item["status"].string == "completed")
            }
            let transcriptItem = try #require(items.first { $0["id"].string == inTranscript })
            #expect(transcriptItem["transcript_segments"][0]["text"].string == "The budget is tight.")
            #expect(transcriptItem["transcript_segments"][0]["id"].string != nil)
            // Case-insensitive in every field.
            #expect(try await Set(ids(h, "BUDGET")) == [inTitle, inOverview, inTranscript])
        }
    }

    @Test(arguments: TestEngine.available)
    func lastTermIsAPrefixEarlierTermsAreWholeWords(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let planning = try await h.seedConversation(title: "meeting planning", createdAt: Self.at(0))
            let meetup = try await h.seedConversation(title: "Team meetup notes", createdAt: Self.at(1))
            #expect(try await Set(ids(h, "meet")) == [planning, meetup])
            #expect(try await ids(h, "meeting plan") == [planning])
            #expect(try await ids(h, "planning meet") == [planning])
            #expect(try await ids(h, "meet plan").isEmpty, "an earlier term must be a whole word")
            #expect(try await ids(h, "meetings").isEmpty)
            #expect(try await ids(h, "eting").isEmpty, "prefix, not infix")
            let none = try await search(h, Self.body("meet plan"))
            #expect(none["total_pages"].int == 0 && none["items"].array.isEmpty && none["current_page"].int == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func everyTermMustMatchIgnoringCaseAndAccents(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let both = try await h.seedConversation(title: "Sprint retro", overview: "Budget was discussed.", createdAt: Self.at(0))
            let sprintOnly = try await h.seedConversation(title: "Sprint demo", createdAt: Self.at(1))
            let accented = try await h.seedConversation(title: "Café with Ana", createdAt: Self.at(2))
            let plain = try await h.seedConversation(title: "Old cafe downtown", createdAt: Self.at(3))
            #expect(try await ids(h, "sprint budget") == [both])
            #expect(try await ids(h, "budget sprint") == [both])
            #expect(try await ids(h, "sprint zebra").isEmpty)
            #expect(try await Set(ids(h, "SPRINT")) == [both, sprintOnly])
            #expect(try await Set(ids(h, "cafe")) == [accented, plain])
            #expect(try await Set(ids(h, "café")) == [accented, plain])
            #expect(try await Set(ids(h, "CAFÉ")) == [accented, plain])
            #expect(try await Set(ids(h, "caf")) == [accented, plain])
            #expect(try await ids(h, "cafe ana") == [accented])
        }
    }

    @Test(arguments: TestEngine.available)
    func titleOutranksOverviewOutranksTranscriptThenNewestFirst(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // Creation order contradicts the expected rank order.
            let title = try await h.seedConversation(title: "Roadmap review", createdAt: Self.at(0))
            let overview = try await h.seedConversation(title: "Weekly sync", overview: "The roadmap was discussed.", createdAt: Self.at(1))
            let transcript = try await h.seedConversation(
                title: "Call notes", segments: [SeedSegment(text: "We touched the roadmap.", start: 0, end: 2)], createdAt: Self.at(2))
            for i in 0..<4 {
                _ = try await h.seedConversation(title: "Unrelated \(i)", overview: "Nothing here", createdAt: Self.at(10 + i))
            }
            #expect(try await ids(h, "roadmap") == [title, overview, transcript])
            #expect(try await ids(h, "road") == [title, overview, transcript])

            // Identical content ties: newest first.
            let t1 = try await h.seedConversation(title: "Standup notes", createdAt: Self.at(20))
            let t2 = try await h.seedConversation(title: "Standup notes", createdAt: Self.at(22))
            let t3 = try await h.seedConversation(title: "Standup notes", createdAt: Self.at(21))
            #expect(try await ids(h, "standup") == [t2, t3, t1])
        }
    }

    @Test(arguments: TestEngine.available)
    func emptyQueryListsEligibleNewestFirstAndStatusesAreFiltered(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let completed = try await h.seedConversation(status: "completed", title: "Roadmap final", createdAt: Self.at(0))
            let processing = try await h.seedConversation(status: "processing", title: "Roadmap processing", createdAt: Self.at(5))
            let discarded = try await h.seedConversation(title: "", overview: "Roadmap noise", createdAt: Self.at(3), discarded: true)
            for (i, status) in ["in_progress", "merging", "failed"].enumerated() {
                _ = try await h.seedConversation(status: status, title: "Roadmap \(status)", createdAt: Self.at(10 + i))
            }
            let everything = [processing, discarded, completed]
            #expect(try await ids(h, "") == everything)
            #expect(try await ids(h, "?!") == everything)
            #expect(try await ids(h, "  ") == everything)
            let noQueryKey = try await search(h, "{}")["items"].array.compactMap { $0["id"].string }
            #expect(noQueryKey == everything)
            #expect(try await ids(h, "", #","include_discarded":false"#) == [processing, completed])
            #expect(try await ids(h, "roadmap").sorted() == everything.sorted())
            #expect(try await ids(h, "roadmap", #","include_discarded":false"#).sorted() == [processing, completed].sorted())
            let empty = try await search(h, Self.body(""))
            #expect(empty["total_pages"].int == 1 && empty["per_page"].int == 10)
        }
    }

    @Test(arguments: TestEngine.available)
    func pagingCountsAllMatchesAndClampsItsParameters(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var seeded: [String] = []
            for i in 0..<25 { seeded.append(try await h.seedConversation(title: "Daily log \(i % 10)", createdAt: Self.at(i))) }
            _ = try await h.seedConversation(title: "Weekly summary", createdAt: Self.at(100))
            let newestFirst = Array(seeded.reversed())

            var collected: [String] = []
            for page in 1...3 {
                let reply = try await search(h, Self.body("daily", #","page":\#(page),"per_page":10"#))
                #expect(reply["total_pages"].int == 3 && reply["current_page"].int == Int64(page) && reply["per_page"].int == 10)
                collected += reply["items"].array.compactMap { $0["id"].string }
                #expect(reply["items"].array.count == (page == 3 ? 5 : 10))
            }
            #expect(collected == newestFirst, "same rank for every match, so created_at descending across pages")
            let beyond = try await search(h, Self.body("daily", #","page":4,"per_page":10"#))
            #expect(beyond["items"].array.isEmpty && beyond["current_page"].int == 4 && beyond["total_pages"].int == 3)

            for extra in [#","per_page":0"#, #","per_page":null"#, #","per_page":-5"#, ""] {
                let reply = try await search(h, Self.body("daily", extra))
                #expect(reply["per_page"].int == 10 && reply["total_pages"].int == 3 && reply["items"].array.count == 10, "\(extra)")
            }
            let big = try await search(h, Self.body("daily", #","per_page":500"#))
            #expect(big["per_page"].int == 100 && big["total_pages"].int == 1 && big["items"].array.count == 25)
            for extra in [#","page":0"#, #","page":null"#, #","page":-3"#] {
                let reply = try await search(h, Self.body("daily", extra + #","per_page":10"#))
                #expect(reply["current_page"].int == 1, "\(extra)")
                #expect(reply["items"].array.compactMap { $0["id"].string } == Array(newestFirst.prefix(10)), "\(extra)")
            }
            let all = try await search(h, Self.body("", #","per_page":10"#))
            #expect(all["total_pages"].int == 3 && all["items"][0]["structured"]["title"].string == "Weekly summary")
            let none = try await search(h, Self.body("zebra", #","per_page":10"#))
            #expect(none["total_pages"].int == 0 && none["items"].array.isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func dateBoundsAreInclusiveAndBadDatesAre400(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await h.seedConversation(title: "Log one", createdAt: Self.at(0))
            let second = try await h.seedConversation(title: "Log two", createdAt: Self.at(10))
            let third = try await h.seedConversation(title: "Log three", createdAt: Self.at(20))
            let from = Timestamp.format(Self.at(10)), to = Timestamp.format(Self.at(20))
            #expect(try await ids(h, "log", #","start_date":"\#(from)","end_date":"\#(to)""#) == [third, second])
            #expect(try await ids(h, "", #","end_date":"\#(from)""#) == [second, first])
            // The same instant written with an offset, and a naive value read as UTC.
            #expect(try await ids(h, "log", #","start_date":"2026-03-05T02:10:00+02:00","end_date":"2026-03-05T00:10:00Z""#) == [second])
            #expect(try await ids(h, "log", #","start_date":"2026-03-05T00:10:00""#) == [third, second])
            #expect(try await ids(h, "log", #","start_date":null,"end_date":null"#) == [third, second, first])

            for (key, value) in [("start_date", "yesterday"), ("start_date", "2026-13-45T00:00:00Z"), ("end_date", "nope")] {
                let r = try await h.call(.post, "/v1/conversations/search", json: #"{"query":"log","\#(key)":"\#(value)"}"#)
                #expect(r.status == 400, "\(key)=\(value): \(r.text)")
                #expect(r.detail == "Invalid \(key); expected an ISO 8601 datetime string")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func aQueryEqualToAnIdReturnsOnlyThatConversation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let target = try await h.seedConversation(title: "Alpha", createdAt: Self.at(0))
            // This one's overview holds the id's words, so word matching alone would return it instead.
            _ = try await h.seedConversation(title: "Beta", overview: "See \(target) for details", createdAt: Self.at(1))
            let theirs = try await h.seedConversation(uid: "user-b", title: "Gamma", createdAt: Self.at(2))
            #expect(try await ids(h, target) == [target])
            #expect(try await ids(h, "  \(target)  ") == [target])
            let reply = try await search(h, Self.body(target))
            #expect(reply["total_pages"].int == 1)
            #expect(try await ids(h, theirs).isEmpty, "another user's id is just text")
            #expect(try await ids(h, theirs, as: "user-b") == [theirs])
        }
    }

    @Test(arguments: TestEngine.available)
    func hostileInputIsLiteralTermsAndNeverA5xx(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let titled = try await h.seedConversation(title: "Meeting about the title page", createdAt: Self.at(0))
            let notes = try await h.seedConversation(title: "Meeting notes", createdAt: Self.at(1))
            let salt = try await h.seedConversation(title: "Salt and pepper", createdAt: Self.at(2))
            let all: Set = [titled, notes, salt], meet: Set = [titled, notes], none: Set<String> = []
            let cases: [(String, Set<String>)] = [
                ("\"", all), ("\"\"", all), ("a\"b", none), ("*", all), ("meet*", meet), ("(", all), (")", all),
                ("-meet", meet), ("title:meet", [titled]), ("title meet", [titled]), ("NEAR(a b)", none),
                ("a AND b", none), ("salt AND pepper", [salt]), ("a OR b", none), ("pepper OR salt", none),
                ("NOT a", none), ("NOT salt", none), ("&", all), ("!", all), ("|", all), (":*", all), ("'", all),
                ("\\", all), ("\\\"", all), ("^", all), ("%", all), ("_", all), ("🚀", all), ("🚀meeting", meet),
                ("\u{0}", all), ("meeting\u{0}notes", [notes]), ("meet:*", meet), ("pepper & salt", [salt]),
                ("salt | pepper", [salt]), ("\"meeting notes\"", [notes]), ("meeting's", none), ("'; DROP TABLE conversations; --", none),
                ("%meet%", meet), ("m_eting", none), ("(meet OR salt)", none), ("notes)", [notes]),
                (String(repeating: "x", count: 10_240), none), (String(repeating: "meeting ", count: 1_280), meet),
            ]
            for (query, expected) in cases {
                let r = try await h.call(.post, "/v1/conversations/search", json: Self.body(query))
                let shown = String(query.prefix(40)).debugDescription
                #expect(r.status == 200, "\(shown) → \(r.status) \(r.text.prefix(300))")
                #expect(Set(r.json["items"].array.compactMap { $0["id"].string }) == expected, "\(shown)")
            }
            // The null character written as a JSON escape, alone and between words.
            let escaped: [(String, Set<String>)] = [(#"{"query":"\u0000"}"#, all), (#"{"query":"meeting\u0000notes"}"#, [notes])]
            for (json, expected) in escaped {
                let r = try await h.call(.post, "/v1/conversations/search", json: json)
                #expect(r.status == 200, "\(json) → \(r.text.prefix(300))")
                #expect(Set(r.json["items"].array.compactMap { $0["id"].string }) == expected, "\(json)")
            }
            #expect(try await h.count("conversations") == 3)
            #expect(try await ids(h, "salt").count == 1, "the table survived")
        }
    }

    @Test(arguments: TestEngine.available)
    func resultsNeverIncludeAnotherUsersConversations(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let mine = try await h.seedConversation(uid: "user-a", title: "Roadmap of user a", createdAt: Self.at(0))
            let theirs = try await h.seedConversation(uid: "user-b", title: "Roadmap of user b", overview: "roadmap roadmap",
                                                      createdAt: Self.at(1))
            #expect(try await ids(h, "roadmap") == [mine])
            #expect(try await ids(h, "") == [mine])
            #expect(try await ids(h, "user b").isEmpty)
            #expect(try await search(h, Self.body("roadmap"))["total_pages"].int == 1)
            #expect(try await ids(h, "roadmap", as: "user-b") == [theirs])
            #expect(try await ids(h, "roadmap", as: "user-c").isEmpty)
            let unauth = try await h.call(.post, "/v1/conversations/search", as: nil, json: #"{"query":"roadmap"}"#)
            #expect(unauth.status == 401 && !unauth.text.contains(mine))
        }
    }
}
