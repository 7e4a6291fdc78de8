import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Assistant settings (users.md §9)")
struct AssistantSettingsTests {
    static let path = "/v1/users/assistant-settings"

    /// A JSON literal parsed with the same decoder as the replies, so numbers compare alike.
    static func j(_ text: String) -> Wire.JSONValue { Wire.JSONValue(jsonText: text) ?? .string("invalid literal: \(text)") }

    static func patch(_ h: TestHarness, _ body: String, as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.patch, path, as: user, json: body)
        try #require(r.status == 200, "\(body): \(r.text)")
        return r.json
    }

    static func get(_ h: TestHarness, as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.get, path, as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    /// The stored sections column, parsed (nil when never written).
    static func stored(_ h: TestHarness, uid: String = TestHarness.defaultUser) async throws -> Wire.JSONValue? {
        try await h.storedAssistantSettings(uid: uid).flatMap { Wire.JSONValue(jsonText: $0) }
    }

    /// Every `loc` element of a 422 body.
    static func locations(_ reply: Reply) -> [Wire.JSONValue] { reply.json["detail"].array.flatMap { $0["loc"].array } }

    @Test(arguments: TestEngine.available)
    func partialPatchesMergeSectionWiseAndArraysReplace(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await Self.patch(h, #"{"focus":{"enabled":true}}"#)
            #expect(first == Self.j(#"{"focus":{"enabled":true}}"#))
            let second = try await Self.patch(h, #"{"task":{"min_confidence":0.5}}"#)
            #expect(second == Self.j(#"{"focus":{"enabled":true},"task":{"min_confidence":0.5}}"#))
            #expect(try await Self.get(h) == second)

            _ = try await Self.patch(h, #"{"focus":{"excluded_apps":["B","C"]}}"#)
            let replaced = try await Self.patch(h, #"{"focus":{"excluded_apps":["A"]}}"#)
            let expected = Self.j(#"{"focus":{"enabled":true,"excluded_apps":["A"]},"task":{"min_confidence":0.5}}"#)
            #expect(replaced == expected)
            #expect(try await Self.get(h) == expected)
            #expect(try await Self.stored(h) == expected)
        }
    }

    @Test(arguments: TestEngine.available)
    func nullFieldRemovesOnlyThatFieldAndNullSectionRemovesSection(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.patch(h, #"""
                {"focus":{"enabled":true,"notifications_enabled":true,"excluded_apps":["Zoom"]},"task":{"enabled":true}}
                """#)
            let afterField = try await Self.patch(h, #"{"focus":{"notifications_enabled":null}}"#)
            let expected = Self.j(#"{"focus":{"enabled":true,"excluded_apps":["Zoom"]},"task":{"enabled":true}}"#)
            #expect(afterField == expected)
            #expect(try await Self.get(h) == expected)

            let afterSection = try await Self.patch(h, #"{"focus":null}"#)
            #expect(afterSection == Self.j(#"{"task":{"enabled":true}}"#))
            #expect(try await Self.get(h) == afterSection)
            #expect(try await Self.stored(h) == Self.j(#"{"task":{"enabled":true}}"#))
        }
    }

    @Test(arguments: TestEngine.available)
    func updateChannelLivesAtTopLevelOnly(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let withChannel = try await Self.patch(h, #"{"update_channel":"beta","focus":{"enabled":true}}"#)
            #expect(withChannel == Self.j(#"{"focus":{"enabled":true},"update_channel":"beta"}"#))
            #expect(try await Self.get(h) == withChannel)
            let text = try await h.storedAssistantSettings() ?? ""
            #expect(!text.contains("update_channel") && !text.contains("beta"))
            #expect(try await Self.stored(h) == Self.j(#"{"focus":{"enabled":true}}"#))

            // null leaves the channel as it was.
            let kept = try await Self.patch(h, #"{"update_channel":null,"task":{"enabled":false}}"#)
            #expect(kept["update_channel"].string == "beta")
            #expect(try await Self.get(h)["update_channel"].string == "beta")

            // 51 characters: 422, nothing written (not even the valid section in the same body).
            let before = try await Self.get(h)
            let long = String(repeating: "x", count: 51)
            let refused = try await h.call(.patch, Self.path, json: #"{"update_channel":"\#(long)","advice":{"enabled":true}}"#)
            #expect(refused.status == 422)
            #expect(Self.locations(refused).contains(.string("update_channel")))
            #expect(try await Self.get(h) == before)

            // 50 characters is allowed, and the value is not checked beyond its length.
            let fifty = String(repeating: "y", count: 50)
            #expect(try await Self.patch(h, #"{"update_channel":"\#(fifty)"}"#)["update_channel"].string == fifty)
            #expect(try await Self.patch(h, #"{"update_channel":"staging"}"#)["update_channel"].string == "staging")
            let finalText = try await h.storedAssistantSettings() ?? ""
            #expect(!finalText.contains("update_channel"))
        }
    }

    @Test(arguments: TestEngine.available)
    func unknownKeysAndThirdPartySecretsAreIgnored(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.patch(h, #"{"focus":{"enabled":true}}"#)
            let r = try await h.call(.patch, Self.path, json: #"""
                {"web_search":{"enabled":true},"focus":{"foo":1,"enabled":false},
                 "floating_bar":{"voice_answers_enabled":true,"elevenlabs_api_key":"sk-eleven-secret"}}
                """#)
            #expect(r.status == 200)
            let expected = Self.j(#"{"focus":{"enabled":false},"floating_bar":{"voice_answers_enabled":true}}"#)
            #expect(r.json == expected)
            #expect(try await Self.get(h) == expected)
            #expect(try await Self.stored(h) == expected)
            let text = try await h.storedAssistantSettings() ?? ""
            for hidden in ["web_search", "foo", "elevenlabs_api_key", "sk-eleven-secret"] {
                #expect(!text.contains(hidden), "\(hidden)")
                #expect(!r.text.contains(hidden), "\(hidden)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidBodiesAreRefusedAndWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.patch(h, #"""
                {"focus":{"enabled":true,"excluded_apps":["Mail"]},"task":{"min_confidence":0.5},
                 "shared":{"cooldown_interval":5,"glow_overlay_enabled":true},"update_channel":"beta"}
                """#)
            let before = try await Self.get(h)
            let storedBefore = try await h.storedAssistantSettings()
            let prompt = String(repeating: "a", count: 10_001)
            let voice = String(repeating: "v", count: 201)
            // Each body also carries a valid change (focus.enabled false) that must not be written either.
            let cases: [(body: String, key: String)] = [
                (#"{"focus":{"enabled":false,"analysis_prompt":"\#(prompt)"}}"#, "analysis_prompt"),
                (#"{"focus":{"enabled":false},"task":{"min_confidence":1.1}}"#, "min_confidence"),
                (#"{"focus":{"enabled":false},"task":{"min_confidence":-0.1}}"#, "min_confidence"),
                (#"{"focus":{"enabled":false},"shared":{"cooldown_interval":2.5}}"#, "cooldown_interval"),
                (#"{"focus":{"enabled":false},"shared":{"glow_overlay_enabled":"yes"}}"#, "glow_overlay_enabled"),
                (#"{"focus":{"enabled":false,"excluded_apps":["Zoom",3]}}"#, "excluded_apps"),
                (#"{"focus":{"enabled":false},"task":"on"}"#, "task"),
                (#"{"focus":{"enabled":false},"floating_bar":{"elevenlabs_voice_id":"\#(voice)"}}"#, "elevenlabs_voice_id"),
                (#"{"focus":{"enabled":false},"update_channel":5}"#, "update_channel"),
                (#"[{"focus":{"enabled":false}}]"#, "body"),
            ]
            for c in cases {
                let r = try await h.call(.patch, Self.path, json: c.body)
                let label = String(c.body.prefix(80))
                #expect(r.status == 422, "\(label): \(r.text.prefix(200))")
                let items = r.json["detail"].array
                let shaped = items.allSatisfy { $0["type"].string != nil && $0["msg"].string != nil }
                #expect(!items.isEmpty && shaped, "\(label)")
                #expect(Self.locations(r).contains(.string(c.key)), "\(label)")
                #expect(try await Self.get(h) == before, "\(label)")
                #expect(try await h.storedAssistantSettings() == storedBefore, "\(label)")
            }

            // The bounds are inclusive and count Unicode scalars: 10000 × "é" and a 200-character voice id pass.
            let accents = String(repeating: "\u{E9}", count: 10_000)
            let okVoice = String(repeating: "v", count: 200)
            let ok = try await Self.patch(h, #"""
                {"focus":{"analysis_prompt":"\#(accents)"},"floating_bar":{"elevenlabs_voice_id":"\#(okVoice)"},
                 "task":{"min_confidence":1.0},"advice":{"min_confidence":0}}
                """#)
            #expect(ok["focus"]["analysis_prompt"].string == accents)
            #expect(ok["floating_bar"]["elevenlabs_voice_id"].string == okVoice)
            #expect(ok["focus"]["enabled"].bool == true)
            #expect(try await Self.get(h) == ok)
        }
    }

    @Test(arguments: TestEngine.available)
    func integralFloatIsAcceptedAndEmittedAsInteger(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.patch, Self.path, json: #"{"shared":{"cooldown_interval":10.0},"focus":{"cooldown_interval":10.0}}"#)
            #expect(r.status == 200)
            #expect(r.json["shared"]["cooldown_interval"] == .int(10) && r.json["focus"]["cooldown_interval"] == .int(10))
            let g = try await h.call(.get, Self.path)
            #expect(g.json == r.json)
            for text in [r.text, g.text] {
                #expect(text.range(of: #""cooldown_interval":10[,}]"#, options: .regularExpression) != nil, "\(text)")
                #expect(!text.contains("10.0"), "\(text)")
            }
            let stored = try await Self.stored(h)
            #expect(stored?["shared"]["cooldown_interval"] == Wire.JSONValue.int(10))
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentPatchesToDifferentSectionsAllSurvive(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.get(h)
            let bodies = [
                #"{"shared":{"cooldown_interval":7}}"#, #"{"shared":{"glow_overlay_enabled":false}}"#,
                #"{"focus":{"enabled":true}}"#, #"{"task":{"min_confidence":0.25}}"#, #"{"advice":{"enabled":false}}"#,
                #"{"memory":{"notifications_enabled":true}}"#, #"{"floating_bar":{"voice_answers_enabled":true}}"#,
                #"{"update_channel":"beta"}"#,
            ]
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for body in bodies {
                    group.addTask { try await h.call(.patch, "/v1/users/assistant-settings", json: body) }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.count == 8)
            for r in replies { #expect(r.status == 200, "\(r.text)") }
            let expected = Self.j(#"""
                {"shared":{"cooldown_interval":7,"glow_overlay_enabled":false},"focus":{"enabled":true},
                 "task":{"min_confidence":0.25},"advice":{"enabled":false},"memory":{"notifications_enabled":true},
                 "floating_bar":{"voice_answers_enabled":true},"update_channel":"beta"}
                """#)
            #expect(try await Self.get(h) == expected)
        }
    }

    static let fullSync = #"""
        {"shared":{"cooldown_interval":30,"glow_overlay_enabled":true,"analysis_delay":5,"screen_analysis_enabled":true},
         "focus":{"enabled":true,"analysis_prompt":"Stay on task.\nNo \"distractions\" \u2014 ✓","cooldown_interval":600,
                  "notifications_enabled":false,"excluded_apps":["Zoom","Slack"]},
         "task":{"enabled":true,"analysis_prompt":"Find tasks","extraction_interval":600.5,"min_confidence":0.75,
                 "notifications_enabled":true,"allowed_apps":["Mail","Notes"],"browser_keywords":["jira","linear"]},
         "advice":{"enabled":false,"analysis_prompt":"Advise","extraction_interval":120.25,"min_confidence":0.7,
                   "notifications_enabled":true,"excluded_apps":[]},
         "memory":{"enabled":true,"analysis_prompt":"Remember","extraction_interval":900.5,"min_confidence":0.6,
                   "notifications_enabled":false,"excluded_apps":["1Password"]},
         "floating_bar":{"voice_answers_enabled":true,"elevenlabs_voice_id":"voice-123"},
         "update_channel":"stable"}
        """#

    @Test(arguments: TestEngine.available)
    func fullDesktopSyncRoundTripsExactly(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sent = Self.j(Self.fullSync)
            #expect(sent.keys.count == 7)
            let r = try await Self.patch(h, Self.fullSync)
            #expect(r == sent)
            #expect(try await Self.get(h) == sent)
            guard case .object(var sections) = sent else { Issue.record("not an object"); return }
            sections["update_channel"] = nil
            #expect(try await Self.stored(h) == .object(sections))
        }
    }

    @Test(arguments: TestEngine.available)
    func brandNewUserGetsEmptyObjectAndAnotherUserIsUnaffected(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let fresh = try await h.call(.get, Self.path)
            #expect(fresh.status == 200 && fresh.json == .object([:]))
            #expect(fresh.text.trimmingCharacters(in: .whitespacesAndNewlines) == "{}")
            _ = try await Self.patch(h, Self.fullSync)
            #expect(try await Self.get(h, as: "user-b") == .object([:]))
            let storedB = try await Self.stored(h, uid: "user-b")
            #expect(storedB == nil || storedB == .object([:]), "\(String(describing: storedB))")
            _ = try await Self.patch(h, #"{"focus":{"enabled":false},"update_channel":"beta"}"#, as: "user-b")
            #expect(try await Self.get(h) == Self.j(Self.fullSync))
            #expect(try await Self.get(h, as: "user-b") == Self.j(#"{"focus":{"enabled":false},"update_channel":"beta"}"#))
        }
    }
}

@Suite("AI profile (users.md §10)")
struct AIProfileTests {
    static let path = "/v1/users/ai-profile"
    static let keys: Set<String> = ["profile_text", "generated_at", "data_sources_used"]
    static func j(_ text: String) -> Wire.JSONValue { AssistantSettingsTests.j(text) }

    static func patch(_ h: TestHarness, _ body: String, as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.patch, path, as: user, json: body)
        try #require(r.status == 200, "\(body.prefix(80)): \(r.text.prefix(300))")
        return r.json
    }

    static func getText(_ h: TestHarness, as user: String = TestHarness.defaultUser) async throws -> String {
        let r = try await h.call(.get, path, as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(arguments: TestEngine.available)
    func fullPatchRoundTripsAndPartialPatchKeepsTheRest(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let full = try await Self.patch(h, #"{"profile_text":"x","generated_at":"2026-03-05T14:03:22.123Z","data_sources_used":7}"#)
            #expect(full == Self.j(#"{"profile_text":"x","generated_at":"2026-03-05T14:03:22.123Z","data_sources_used":7}"#))
            let got = try await h.call(.get, Self.path)
            #expect(got.status == 200 && got.json == full)

            let partial = try await Self.patch(h, #"{"data_sources_used":9}"#)
            #expect(partial == Self.j(#"{"profile_text":"x","generated_at":"2026-03-05T14:03:22.123Z","data_sources_used":9}"#))
            #expect(try await h.call(.get, Self.path).json == partial)
        }
    }

    @Test(arguments: TestEngine.available)
    func generatedAtIsNormalisedToUTCMilliseconds(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let offset = try await Self.patch(h, #"{"profile_text":"p","generated_at":"2026-03-05T16:03:22.123+02:00","data_sources_used":1}"#)
            #expect(offset["generated_at"].string == "2026-03-05T14:03:22.123Z")
            #expect(try await h.call(.get, Self.path).json["generated_at"].string == "2026-03-05T14:03:22.123Z")

            let naive = try await Self.patch(h, #"{"generated_at":"2026-03-05T14:03:22"}"#)
            #expect(naive["generated_at"].string == "2026-03-05T14:03:22.000Z")
            #expect(naive["profile_text"].string == "p" && naive["data_sources_used"] == .int(1))
            #expect(try await h.call(.get, Self.path).json == naive)
        }
    }

    @Test(arguments: TestEngine.available)
    func emptyPatchOnNewUserFillsDefaults(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let before = Date()
            let r = try await Self.patch(h, "{}")
            let after = Date()
            #expect(r.keys == Self.keys)
            #expect(r["profile_text"].string == "")
            #expect(r["data_sources_used"] == .int(0))
            let millis = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#
            #expect(r["generated_at"].string?.range(of: millis, options: .regularExpression) != nil, "\(r["generated_at"])")
            let stamp = try #require(r["generated_at"].string.flatMap(Timestamp.parse))
            #expect(stamp >= before.addingTimeInterval(-1) && stamp <= after.addingTimeInterval(1), "\(stamp)")
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidPatchesAreRefusedAndWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let long = String(repeating: "\u{E9}", count: 50_001)
            let cases: [(body: String, key: String)] = [
                (#"{"profile_text":"ok","generated_at":"yesterday","data_sources_used":1}"#, "generated_at"),
                (#"{"profile_text":"\#(long)","data_sources_used":1}"#, "profile_text"),
                (#"{"profile_text":"ok","data_sources_used":-1}"#, "data_sources_used"),
                (#"{"profile_text":"ok","data_sources_used":"7"}"#, "data_sources_used"),
                (#"{"profile_text":5,"data_sources_used":1}"#, "profile_text"),
            ]
            func refuseAll() async throws {
                for c in cases {
                    let r = try await h.call(.patch, Self.path, json: c.body)
                    let label = String(c.body.prefix(60))
                    #expect(r.status == 422, "\(label): \(r.text.prefix(200))")
                    #expect(AssistantSettingsTests.locations(r).contains(.string(c.key)), "\(label): \(r.text.prefix(200))")
                }
            }
            // A new user: nothing may be created.
            try await refuseAll()
            #expect(try await Self.getText(h) == "null")

            // An existing profile: nothing may change.
            let stored = try await Self.patch(h, #"{"profile_text":"kept","generated_at":"2026-01-02T03:04:05.678Z","data_sources_used":3}"#)
            try await refuseAll()
            #expect(try await h.call(.get, Self.path).json == stored)

            // 50000 characters (Unicode scalars) is the inclusive bound.
            let longest = String(repeating: "\u{E9}", count: 50_000)
            let ok = try await Self.patch(h, #"{"profile_text":"\#(longest)"}"#)
            #expect(ok["profile_text"].string == longest)
            #expect(ok["data_sources_used"] == .int(3))
        }
    }

    @Test(arguments: TestEngine.available)
    func brandNewUserGetsJSONNullAndAnotherUsersProfileStaysNull(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await Self.getText(h) == "null")
            _ = try await Self.patch(h, #"{"profile_text":"A's profile","generated_at":"2026-03-05T14:03:22.123Z","data_sources_used":7}"#)
            #expect(try await Self.getText(h, as: "user-b") == "null")
            let a = try await h.call(.get, Self.path)
            #expect(a.json["profile_text"].string == "A's profile")
        }
    }
}
