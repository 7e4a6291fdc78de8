import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

/// users.md §0–§8: the profile and the six reads of the settings screen, their defaults, writes and refusals.
@Suite("User profile and settings (users.md §2–§8)")
struct UserSettingsTests {
    typealias S = UserSettingsTests

    static let daily = "/v1/users/daily-summary-settings"
    static let notifications = "/v1/users/notification-settings"
    static let language = "/v1/users/language"
    static let recording = "/v1/users/store-recording-permission"
    static let cloudSync = "/v1/users/private-cloud-sync"
    static let transcription = "/v1/users/transcription-preferences"
    static let profile = "/v1/users/profile"

    /// The six settings-bundle reads and what a never-seen uid must get (users.md §0, §18 "First contact").
    static let defaults: [(path: String, body: String)] = [
        (daily, #"{"enabled":true,"hour":22}"#),
        (notifications, #"{"enabled":true,"frequency":0}"#),
        (language, #"{"language":""}"#),
        (recording, #"{"store_recording_permission":false,"enabled":false}"#),
        (cloudSync, #"{"private_cloud_sync_enabled":true,"enabled":true}"#),
        (transcription,
         #"{"single_language_mode":false,"vocabulary":[],"language":"","uses_custom_stt":false,"custom_stt_since":null}"#),
    ]
    static let profileKeys: Set<String> = [
        "uid", "email", "name", "time_zone", "created_at", "motivation", "use_case", "job", "company",
    ]

    static func j(_ text: String) -> Wire.JSONValue { Wire.JSONValue(jsonText: text) ?? .string("bad JSON: \(text)") }

    static func bearer(_ uid: String, _ claims: [String: Any]) -> HTTPFields {
        [.authorization: "Bearer \(TestIdentityProvider.primary.token(uid: uid, claims: claims))"]
    }

    /// A GET that must answer 200; returns its body.
    static func get(_ h: TestHarness, _ path: String, as user: String = TestHarness.defaultUser) async throws
        -> Wire.JSONValue {
        let r = try await h.call(.get, path, as: user)
        try #require(r.status == 200, "\(path): \(r.status) \(r.text)")
        return r.json
    }

    /// A FastAPI-shaped validation failure: 422 with a non-empty `detail` list of `{type, loc, msg}`.
    static func isValidation(_ r: Reply) -> Bool {
        let first = r.json["detail"][0]
        return r.status == 422 && first.has("type") && first.has("msg") && !first["loc"].array.isEmpty
    }

    static func removing(_ key: String, from value: Wire.JSONValue) -> Wire.JSONValue {
        guard case .object(var o) = value else { return value }; o[key] = nil; return .object(o)
    }

    @Test(arguments: TestEngine.available)
    func brandNewUserGetsEveryBundleDefault(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // The desktop starts the six reads at once for a uid the server has never seen.
            let replies = try await withThrowingTaskGroup(of: (String, Reply).self) { group in
                for (path, _) in S.defaults {
                    group.addTask { let r = try await h.call(.get, path, as: "fresh-uid"); return (path, r) }
                }
                return try await group.reduce(into: [String: Reply]()) { $0[$1.0] = $1.1 }
            }
            for (path, body) in S.defaults {
                let r = try #require(replies[path])
                #expect(r.status == 200, "\(path): \(r.text)")
                #expect(r.json == S.j(body), "\(path): \(r.text)")
            }
            #expect(try await h.count("users", uid: "fresh-uid") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func newProfileCarriesTokenClaimsAndNullsForTheRest(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, S.profile, as: nil, headers: S.bearer("user-c", ["email": "c@x.io", "name": "Cee"]))
            #expect(r.status == 200, "\(r.text)")
            #expect(r.json.keys == S.profileKeys, "\(r.text)")
            #expect(r.json["uid"].string == "user-c" && r.json["email"].string == "c@x.io")
            #expect(r.json["name"].string == "Cee")
            for key in ["time_zone", "motivation", "use_case", "job", "company"] {
                #expect(r.json.has(key) && r.json[key].isNull, "\(key): \(r.text)")
            }
            let created = try #require(r.json["created_at"].string)
            #expect(created.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})Z$"#,
                                  options: .regularExpression) != nil, "\(created)")
            let micros = try #require(Timestamp.parseMicros(created))
            let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
            #expect(abs(now - micros) < 300_000_000, "\(created)")
        }
    }

    @Test(arguments: TestEngine.available)
    func profilePatchKeepsOtherFieldsAndEqualsTheNextGet(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await h.call(.patch, S.profile, json: #"{"use_case":"work","company":"Acme","motivation":""}"#)
            #expect(first.status == 200, "\(first.text)")
            let created = first.json["created_at"]
            let r = try await h.call(.patch, S.profile, json: #"{"job":"Engineer","company":null}"#)
            #expect(r.status == 200, "\(r.text)")
            #expect(r.json.keys == S.profileKeys)
            #expect(r.json["job"].string == "Engineer" && r.json["use_case"].string == "work")
            #expect(r.json["company"].string == "Acme" && r.json["motivation"].string == "")
            #expect(r.json["uid"].string == "user-a" && r.json["name"].isNull && r.json["time_zone"].isNull)
            #expect(r.json["created_at"] == created && created.string != nil)
            #expect(try await S.get(h, S.profile) == r.json)
            // uid, email and created_at are not writable: ignored like unknown keys.
            let ignored = try await h.call(.patch, S.profile,
                                           json: #"{"uid":"evil","email":"e@x.io","created_at":"2000-01-01T00:00:00Z","x":1}"#)
            #expect(ignored.status == 200 && ignored.json == r.json, "\(ignored.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func overlongOrUnknownZoneIsRefusedAndWritesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await h.call(.patch, S.profile, json: #"{"job":"Pilot"}"#).status == 200)
            let before = try await S.get(h, S.profile)
            let long = String(repeating: "c", count: 501)
            let tooLong = try await h.call(.patch, S.profile, json: #"{"company":"\#(long)","job":"Astronaut"}"#)
            #expect(S.isValidation(tooLong), "\(tooLong.text)")
            #expect(tooLong.json["detail"][0]["loc"] == S.j(#"["body","company"]"#), "\(tooLong.text)")
            #expect(try await S.get(h, S.profile) == before)
            let mars = try await h.call(.patch, S.profile, json: #"{"time_zone":"Mars/Base","job":"Astronaut"}"#)
            #expect(S.isValidation(mars), "\(mars.text)")
            #expect(mars.json["detail"][0]["loc"] == S.j(#"["body","time_zone"]"#), "\(mars.text)")
            #expect(try await S.get(h, S.profile) == before)
            // An offset is not a zone name, even where Foundation parses it.
            #expect(S.isValidation(try await h.call(.patch, S.profile, json: #"{"time_zone":"GMT+0530"}"#)))
            #expect(try await S.get(h, S.profile) == before)
            #expect(before["job"].string == "Pilot" && before["company"].isNull && before["time_zone"].isNull)

            let berlin = try await h.call(.patch, S.profile, json: #"{"time_zone":"Europe/Berlin"}"#)
            #expect(berlin.status == 200 && berlin.json["time_zone"].string == "Europe/Berlin", "\(berlin.text)")
            #expect(try await S.get(h, S.profile)["time_zone"].string == "Europe/Berlin")
            // A current zone name missing from Foundation's older identifier list.
            let kolkata = try await h.call(.patch, S.profile, json: #"{"time_zone":"Asia/Kolkata"}"#)
            #expect(kolkata.status == 200 && kolkata.json["time_zone"].string == "Asia/Kolkata", "\(kolkata.text)")
            let edge = String(repeating: "c", count: 500)
            let atLimit = try await h.call(.patch, S.profile, json: #"{"company":"\#(edge)"}"#)
            #expect(atLimit.status == 200 && atLimit.json["company"].string == edge, "\(atLimit.status)")
        }
    }

    @Test(arguments: TestEngine.available)
    func patchedNameSurvivesALaterTokenWithAnotherName(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await h.call(.get, S.profile, as: nil, headers: S.bearer("user-n", ["name": "Original"]))
            #expect(first.status == 200 && first.json["name"].string == "Original", "\(first.text)")
            #expect(first.json["email"].isNull)
            let renamed = try await h.call(.patch, S.profile, as: "user-n", json: #"{"name":"Chosen"}"#)
            #expect(renamed.status == 200 && renamed.json["name"].string == "Chosen", "\(renamed.text)")
            let other = S.bearer("user-n", ["name": "Other", "email": "n@x.io"])
            #expect(try await h.call(.get, S.language, as: nil, headers: other).status == 200)
            let later = try await h.call(.get, S.profile, as: nil, headers: other)
            #expect(later.status == 200 && later.json["name"].string == "Chosen", "\(later.text)")
            #expect(later.json["email"].string == "n@x.io") // filled while it was still null
            let again = try await h.call(.get, S.profile, as: nil,
                                         headers: S.bearer("user-n", ["name": "Third", "email": "z@x.io"]))
            #expect(again.json["name"].string == "Chosen" && again.json["email"].string == "n@x.io", "\(again.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func languagePatchSetsSingleLanguageMode(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let fr = try await h.call(.patch, S.language, json: #"{"language":"fr"}"#)
            #expect(fr.status == 200 && fr.json == S.j(#"{"status":"ok","language":"fr","single_language_mode":false}"#),
                    "\(fr.text)")
            #expect(try await S.get(h, S.language) == S.j(#"{"language":"fr"}"#))
            let vi = try await h.call(.patch, S.language, json: #"{"language":"vi"}"#)
            #expect(vi.status == 200 && vi.json == S.j(#"{"status":"ok","language":"vi","single_language_mode":true}"#),
                    "\(vi.text)")
            let prefs = try await S.get(h, S.transcription)
            #expect(prefs["single_language_mode"].bool == true && prefs["language"].string == "vi", "\(prefs)")
            #expect(try await S.get(h, S.language) == S.j(#"{"language":"vi"}"#))
            // The multi-language comparison is exact and case-sensitive.
            let lower = try await h.call(.patch, S.language, json: #"{"language":"en-us"}"#)
            #expect(lower.status == 200 && lower.json["single_language_mode"].bool == true, "\(lower.text)")
            #expect(lower.json["language"].string == "en-us")
            let upper = try await h.call(.patch, S.language, json: #"{"language":"en-US"}"#)
            #expect(upper.status == 200 && upper.json["single_language_mode"].bool == false, "\(upper.text)")
            #expect(try await S.get(h, S.transcription)["single_language_mode"].bool == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func refusedLanguagesWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await h.call(.patch, S.language, json: #"{"language":"vi"}"#).status == 200)
            for blank in ["", "   "] {
                let r = try await h.call(.patch, S.language, json: #"{"language":"\#(blank)"}"#)
                #expect(r.status == 400 && r.json == S.j(#"{"detail":"Language is required"}"#), "'\(blank)': \(r.text)")
            }
            let tooLong = String(repeating: "a", count: 36)
            for body in ["{}", #"{"language":5}"#, #"{"language":"\#(tooLong)"}"#] {
                let r = try await h.call(.patch, S.language, json: body)
                #expect(S.isValidation(r), "\(body): \(r.text)")
            }
            #expect(try await S.get(h, S.language) == S.j(#"{"language":"vi"}"#))
            let prefs = try await S.get(h, S.transcription)
            #expect(prefs["single_language_mode"].bool == true && prefs["language"].string == "vi", "\(prefs)")
            let edge = String(repeating: "a", count: 35)
            let atLimit = try await h.call(.patch, S.language, json: #"{"language":"\#(edge)"}"#)
            #expect(atLimit.status == 200 && atLimit.json["language"].string == edge, "\(atLimit.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func vocabularyKeepsTheFirstHundredAndPatchAnswersStoredValues(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var terms: [String] = []
            for i in 0..<150 { terms.append(#""t\#(i)""#) }
            var firstHundred: [Wire.JSONValue] = []
            for i in 0..<100 { firstHundred.append(.string("t\(i)")) }
            let r = try await h.call(.patch, S.transcription, json: #"{"vocabulary":[\#(terms.joined(separator: ","))]}"#)
            #expect(r.status == 200, "\(r.text)")
            #expect(r.json["vocabulary"] == .array(firstHundred))
            #expect(r.json["status"].string == "ok" && r.json["single_language_mode"].bool == false)
            #expect(r.json["language"].string == "" && r.json["uses_custom_stt"].bool == false)
            #expect(r.json.has("custom_stt_since") && r.json["custom_stt_since"].isNull)
            let stored = try await S.get(h, S.transcription)
            #expect(stored == S.removing("status", from: r.json), "\(stored)")

            let mode = try await h.call(.patch, S.transcription, json: #"{"single_language_mode":true,"vocabulary":null}"#)
            #expect(mode.json["single_language_mode"].bool == true && mode.json["vocabulary"] == .array(firstHundred))
            let asSent = try await h.call(.patch, S.transcription, json: #"{"vocabulary":[" Omi ","Omi","Omi"]}"#)
            #expect(asSent.json["vocabulary"] == S.j(#"[" Omi ","Omi","Omi"]"#), "\(asSent.text)")
            let current = try await S.get(h, S.transcription)
            #expect(current["single_language_mode"].bool == true && current["vocabulary"] == asSent.json["vocabulary"])

            for body in [#"{"vocabulary":["ok",1]}"#, #"{"single_language_mode":"yes"}"#, #"{"vocabulary":"Omi"}"#] {
                let bad = try await h.call(.patch, S.transcription, json: body)
                #expect(S.isValidation(bad), "\(body): \(bad.text)")
            }
            #expect(try await S.get(h, S.transcription) == current)
            let empty = try await h.call(.patch, S.transcription, json: "{}")
            #expect(empty.status == 200 && empty.json["status"].string == "ok", "\(empty.text)")
            #expect(S.removing("status", from: empty.json) == current)
        }
    }

    @Test(arguments: TestEngine.available)
    func dailySummaryHourIsCheckedBeforeAnythingIsWritten(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for hour in [24, -1] {
                let r = try await h.call(.patch, S.daily, json: #"{"enabled":false,"hour":\#(hour)}"#)
                #expect(r.status == 400 && r.json == S.j(#"{"detail":"Hour must be between 0 and 23"}"#), "\(hour): \(r.text)")
            }
            let wrong = try await h.call(.patch, S.daily, json: #"{"enabled":false,"hour":"8"}"#)
            #expect(S.isValidation(wrong), "\(wrong.text)")
            #expect(try await S.get(h, S.daily) == S.j(#"{"enabled":true,"hour":22}"#))

            let eight = try await h.call(.patch, S.daily, json: #"{"hour":8}"#)
            #expect(eight.status == 200 && eight.json == S.j(#"{"status":"ok","enabled":true,"hour":8}"#), "\(eight.text)")
            #expect(try await S.get(h, S.daily) == S.j(#"{"enabled":true,"hour":8}"#))
            let off = try await h.call(.patch, S.daily, json: #"{"enabled":false}"#)
            #expect(off.json == S.j(#"{"status":"ok","enabled":false,"hour":8}"#), "\(off.text)")
            let midnight = try await h.call(.patch, S.daily, json: #"{"hour":0}"#)
            #expect(midnight.json == S.j(#"{"status":"ok","enabled":false,"hour":0}"#), "\(midnight.text)")
            #expect(try await S.get(h, S.daily) == S.j(#"{"enabled":false,"hour":0}"#))
        }
    }

    @Test(arguments: TestEngine.available)
    func notificationFrequencyIsBoundedAndPartialUpdatesKeepIt(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for frequency in [6, -1] {
                let r = try await h.call(.patch, S.notifications, json: #"{"enabled":false,"frequency":\#(frequency)}"#)
                #expect(S.isValidation(r), "\(frequency): \(r.text)")
                #expect(r.json["detail"][0]["loc"] == S.j(#"["body","frequency"]"#), "\(r.text)")
            }
            #expect(try await S.get(h, S.notifications) == S.j(#"{"enabled":true,"frequency":0}"#))
            let three = try await h.call(.patch, S.notifications, json: #"{"frequency":3}"#)
            #expect(three.status == 200 && three.json == S.j(#"{"enabled":true,"frequency":3}"#), "\(three.text)")
            let off = try await h.call(.patch, S.notifications, json: #"{"enabled":false}"#)
            #expect(off.status == 200 && off.json == S.j(#"{"enabled":false,"frequency":3}"#), "\(off.text)")
            #expect(try await S.get(h, S.notifications) == S.j(#"{"enabled":false,"frequency":3}"#))
            let empty = try await h.call(.patch, S.notifications, json: "{}")
            #expect(empty.status == 200 && empty.json == S.j(#"{"enabled":false,"frequency":3}"#), "\(empty.text)")
            let five = try await h.call(.patch, S.notifications, json: #"{"frequency":5}"#)
            #expect(five.json == S.j(#"{"enabled":false,"frequency":5}"#), "\(five.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func recordingPermissionFlag(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            func expectStored(_ flag: Bool, _ note: String) async throws {
                let body = try await S.get(h, S.recording)
                #expect(body == .object(["store_recording_permission": .bool(flag), "enabled": .bool(flag)]), "\(note): \(body)")
            }
            let on = try await h.call(.post, "\(S.recording)?value=true")
            #expect(on.status == 200 && on.json == S.j(#"{"status":"ok"}"#), "\(on.text)")
            try await expectStored(true, "true")
            for (spelling, flag) in [("false", false), ("1", true), ("0", false), ("yes", true), ("off", false), ("ON", true)] {
                let r = try await h.call(.post, "\(S.recording)?value=\(spelling)")
                #expect(r.status == 200, "\(spelling): \(r.text)")
                try await expectStored(flag, spelling)
            }
            for query in ["", "?value=maybe", "?value="] {
                let r = try await h.call(.post, "\(S.recording)\(query)")
                #expect(S.isValidation(r), "'\(query)': \(r.text)")
            }
            try await expectStored(true, "after refusals")
            for _ in 0..<2 {
                let r = try await h.call(.post, "\(S.recording)?value=true")
                #expect(r.status == 200 && r.json == S.j(#"{"status":"ok"}"#), "\(r.text)")
            }
            try await expectStored(true, "twice")
            #expect(try await h.count("users", uid: "user-a") == 1)
            for _ in 0..<2 {
                let deleted = try await h.call(.delete, S.recording)
                #expect(deleted.status == 200 && deleted.json == S.j(#"{"status":"ok"}"#), "\(deleted.text)")
                try await expectStored(false, "deleted")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func privateCloudSyncFlag(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let off = try await h.call(.post, "\(S.cloudSync)?value=false")
            #expect(off.status == 200 && off.json == S.j(#"{"status":"ok"}"#), "\(off.text)")
            let stored = S.j(#"{"private_cloud_sync_enabled":false,"enabled":false}"#)
            #expect(try await S.get(h, S.cloudSync) == stored)
            for query in ["", "?value=maybe"] {
                let r = try await h.call(.post, "\(S.cloudSync)\(query)")
                #expect(S.isValidation(r), "'\(query)': \(r.text)")
            }
            #expect(try await S.get(h, S.cloudSync) == stored)
            #expect(try await h.call(.post, "\(S.cloudSync)?value=TRUE").status == 200)
            #expect(try await S.get(h, S.cloudSync) == S.j(#"{"private_cloud_sync_enabled":true,"enabled":true}"#))
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUsersWritesLeaveDefaultsInPlace(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let writes: [(HTTPRequest.Method, String, String?)] = [
                (.patch, S.profile, #"{"job":"A-job","time_zone":"Europe/Berlin","name":"Ann"}"#),
                (.patch, S.language, #"{"language":"vi"}"#),
                (.patch, S.transcription, #"{"vocabulary":["alpha"]}"#),
                (.patch, S.daily, #"{"enabled":false,"hour":7}"#),
                (.patch, S.notifications, #"{"enabled":false,"frequency":4}"#),
                (.post, "\(S.recording)?value=true", nil),
                (.post, "\(S.cloudSync)?value=false", nil),
            ]
            for (method, path, body) in writes {
                let r = try await h.call(method, path, as: "user-a", json: body)
                try #require(r.status == 200, "\(path): \(r.text)")
            }
            for (path, body) in S.defaults {
                #expect(try await S.get(h, path, as: "user-b") == S.j(body), "\(path)")
            }
            let b = try await S.get(h, S.profile, as: "user-b")
            #expect(b["uid"].string == "user-b" && b["job"].isNull && b["time_zone"].isNull && b["name"].isNull, "\(b)")
            #expect(try await S.get(h, S.daily, as: "user-a") == S.j(#"{"enabled":false,"hour":7}"#))
            #expect(try await S.get(h, S.transcription, as: "user-a")["vocabulary"] == S.j(#"["alpha"]"#))
            #expect(try await S.get(h, S.profile, as: "user-a")["job"].string == "A-job")
        }
    }

    @Test(arguments: TestEngine.available)
    func everyRouteRequiresAToken(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var routes: [(HTTPRequest.Method, String, String?)] = [
                (.patch, S.profile, #"{"job":"x"}"#), (.patch, S.language, #"{"language":"fr"}"#),
                (.patch, S.transcription, "{}"), (.patch, S.daily, #"{"hour":8}"#), (.patch, S.notifications, "{}"),
                (.post, "\(S.recording)?value=true", nil), (.delete, S.recording, nil),
                (.post, "\(S.cloudSync)?value=false", nil), (.get, S.profile, nil),
            ]
            for (path, _) in S.defaults { routes.append((.get, path, nil)) }
            for (method, path, body) in routes {
                let r = try await h.call(method, path, as: nil, json: body)
                #expect(r.status == 401 && r.json == S.j(#"{"detail":"Authorization header not found"}"#),
                        "\(method) \(path): \(r.status) \(r.text)")
            }
            let garbage = try await h.call(.get, S.language, as: nil, headers: [.authorization: "Bearer not-a-token"])
            #expect(garbage.status == 401 && garbage.detail == "Invalid authorization token", "\(garbage.text)")
        }
    }
}

@Suite("Last-seen platform (conventions.md, X-App-Platform)")
struct LastSeenPlatformTests {
    static func platform(_ h: TestHarness, _ uid: String) async throws -> String? {
        try await h.database.withConnection { db in
            try await db.raw("SELECT last_platform FROM users WHERE uid = \(bind: uid)").first()?
                .decode(column: "last_platform", as: String?.self)
        }
    }

    @Test(arguments: TestEngine.available)
    func thePlatformHeaderIsStoredAndNeverFailsARequest(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let macos = try await h.call(.get, "/v1/users/language", headers: [.xAppPlatform: "macos"])
            #expect(macos.status == 200)
            #expect(try await Self.platform(h, "user-a") == "macos")
            // Within ten minutes another value is not written again: one write per user per interval.
            #expect(try await h.call(.get, "/v1/users/language", headers: [.xAppPlatform: "windows"]).status == 200)
            #expect(try await Self.platform(h, "user-a") == "macos")
            // Garbage is telemetry, never a reason to refuse; a request without the header writes nothing.
            let odd = try await h.call(.get, "/v1/users/language", as: "user-b",
                                       headers: [.xAppPlatform: String(repeating: "x", count: 500)])
            #expect(odd.status == 200)
            #expect(try await Self.platform(h, "user-b") == String(repeating: "x", count: 32))
            #expect(try await h.call(.get, "/v1/users/language", as: "user-c").status == 200)
            #expect(try await Self.platform(h, "user-c") == nil)
        }
    }
}
