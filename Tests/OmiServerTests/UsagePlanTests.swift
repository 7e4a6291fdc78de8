import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("LLM usage accounting (users.md §11)")
struct UsagePlanLLMUsageTests {
    /// A JSON number as Double: 1.0 may arrive as `.int(1)`.
    func number(_ v: Wire.JSONValue) -> Double? {
        if case .int(let i) = v { Double(i) } else if case .double(let d) = v { d } else { nil }
    }

    func total(_ h: TestHarness, as user: String = TestHarness.defaultUser) async throws -> Double {
        let r = try await h.call(.get, "/v1/users/me/llm-usage/total", as: user)
        try #require(r.status == 200, "\(r.text)")
        #expect(r.json.keys == ["total_cost_usd"])
        return try #require(number(r.json["total_cost_usd"]), "\(r.text)")
    }

    func post(_ h: TestHarness, _ json: String, as user: String = TestHarness.defaultUser) async throws {
        let r = try await h.call(.post, "/v1/users/me/llm-usage", as: user, json: json)
        try #require(r.status == 200, "\(json): \(r.text)")
        #expect(r.json == .object(["status": .string("ok")]))
    }

    /// The UTC day `daysAgo` days before now, `YYYY-MM-DD`.
    func day(daysAgo: Int) -> String {
        String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(-Double(daysAgo) * 86_400)).prefix(10))
    }

    /// Server-side feature usage (§11.1), written through the repository the chat and memory domains use.
    func feature(_ h: TestHarness, _ name: String, model: String = "m", input: Int64, output: Int64,
                        daysAgo: Int = 0) async throws {
        var i = UsageIncrement()
        i.inputTokens = input
        i.outputTokens = output
        try await SQLUsageRepository(database: h.database)
            .recordFeature(uid: TestHarness.defaultUser, day: day(daysAgo: daysAgo), feature: name, model: model, i)
    }

    @Test(arguments: TestEngine.available)
    func totalSumsThePrimaryBucketOnly(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await total(h) == 0)
            try await post(h, #"{"input_tokens":100,"output_tokens":20,"cost_usd":0.5,"account":"omi"}"#)
            try await post(h, #"{"input_tokens":50,"output_tokens":5,"cost_usd":0.25,"account":"omi"}"#)
            #expect(abs(try await total(h) - 0.75) < 1e-9)
            try await post(h, #"{"input_tokens":10,"output_tokens":1,"cost_usd":1.0,"account":"byok"}"#)
            #expect(abs(try await total(h) - 1.75) < 1e-9)
            // A Rust-era body without `account` counts too.
            try await post(h, #"""
                {"input_tokens":1,"output_tokens":1,"cache_read_tokens":2,"cache_write_tokens":3,"total_tokens":7,
                 "cost_usd":0.125}
                """#)
            #expect(abs(try await total(h) - 1.875) < 1e-9)
            // User B sees nothing of A's usage.
            #expect(try await total(h, as: "user-b") == 0)
            let b = try await h.call(.get, "/v1/users/me/llm-usage", as: "user-b")
            #expect(b.status == 200 && b.json["summary"] == .object([:]) && b.json["top_features"] == .array([]))
            let bTop = try await h.call(.get, "/v1/users/me/llm-usage/top-features", as: "user-b")
            #expect(bTop.status == 200 && bTop.json == .array([]))
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentPostsLoseNoUpdate(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await h.call(.post, "/v1/users/me/llm-usage",
                                         json: #"{"input_tokens":3,"output_tokens":2,"cost_usd":0.1,"account":"omi"}"#)
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            for r in replies { #expect(r.status == 200 && r.json["status"].string == "ok", "\(r.text)") }
            #expect(abs(try await total(h) - 1.0) < 1e-9)
            let s = try await h.call(.get, "/v1/users/me/llm-usage").json["summary"]["desktop_chat"]
            #expect(s["call_count"].int == 10 && s["input_tokens"].int == 30 && s["output_tokens"].int == 20)
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidBodiesAre422AndWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await post(h, #"{"cost_usd":0.5}"#)
            let rows = try await h.count("llm_usage")
            let longAccount = String(repeating: "a", count: 101)
            let cases: [(String, String?)] = [
                (#"{"input_tokens":-1,"cost_usd":0.1}"#, "input_tokens"),
                (#"{"output_tokens":1.5,"cost_usd":0.1}"#, nil),
                (#"{"input_tokens":1,"cost_usd":-1}"#, "cost_usd"),
                (#"{"input_tokens":1,"cost_usd":0.1,"account":"\#(longAccount)"}"#, "account"),
            ]
            for (body, field) in cases {
                let r = try await h.call(.post, "/v1/users/me/llm-usage", json: body)
                #expect(r.status == 422, "\(body.prefix(60)): \(r.text)")
                #expect(!r.json["detail"].array.isEmpty, "\(body.prefix(60))")
                if let field {
                    let locs = r.json["detail"].array.map { $0["loc"].array.last?.string }
                    #expect(locs.contains(field), "\(body.prefix(60)): \(r.text)")
                }
            }
            #expect(try await h.count("llm_usage") == rows)
            #expect(abs(try await total(h) - 0.5) < 1e-9)
            // A 100-character account is still fine.
            try await post(h, #"{"cost_usd":0.25,"account":"\#(String(repeating: "a", count: 100))"}"#)
            #expect(abs(try await total(h) - 0.75) < 1e-9)
        }
    }

    @Test(arguments: TestEngine.available)
    func summaryReportsRealDesktopCountersAndFeatures(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for q in ["days=0", "days=366", "days=abc"] {
                let r = try await h.call(.get, "/v1/users/me/llm-usage?\(q)")
                #expect(r.status == 422 && r.json["detail"][0]["loc"][0].string == "query", "\(q): \(r.text)")
            }
            // `total_tokens` is stored as sent; top_features computes input + output itself.
            try await post(h, #"{"input_tokens":200,"output_tokens":100,"total_tokens":999,"account":"omi"}"#)
            try await post(h, #"{"input_tokens":100,"output_tokens":100,"total_tokens":1,"account":"byok"}"#)
            try await feature(h, "chat", model: "gpt-a", input: 100, output: 50)
            try await feature(h, "chat", model: "gpt-b", input: 20, output: 30)
            try await feature(h, "memories", input: 5, output: 5)
            try await feature(h, "conversation_processing", input: 4, output: 6)
            try await feature(h, "titles", input: 1, output: 0)
            try await feature(h, "zeta", input: 0, output: 1)
            try await feature(h, "old_feature", input: 9, output: 9, daysAgo: 40)

            let r = try await h.call(.get, "/v1/users/me/llm-usage")
            #expect(r.status == 200)
            #expect(r.json["period_days"].int == 30)
            let summary = r.json["summary"]
            #expect(summary.keys == ["desktop_chat", "chat", "memories", "conversation_processing", "titles", "zeta"])
            #expect(summary["desktop_chat"] == .object(["input_tokens": .int(300), "output_tokens": .int(200),
                                                        "call_count": .int(2)]))
            #expect(summary["chat"] == .object(["input_tokens": .int(120), "output_tokens": .int(80),
                                                "call_count": .int(2)]))
            #expect(!summary.has("desktop_chat_omi") && !summary.has("desktop_chat_byok"))
            // Up to 5, by input+output descending, ties by name.
            let top = r.json["top_features"].array
            var names: [String] = []
            for entry in top { names.append(entry["feature"].string ?? "?") }
            #expect(names == ["desktop_chat", "chat", "conversation_processing", "memories", "titles"])
            for entry in top {
                #expect(entry.keys == ["feature", "input_tokens", "output_tokens", "total_tokens", "call_count"])
                let sum = (entry["input_tokens"].int ?? -1) + (entry["output_tokens"].int ?? -1)
                #expect(entry["total_tokens"].int == sum, "\(entry)")
            }
            #expect(top.first?["total_tokens"].int == 500 && top.first?["call_count"].int == 2)

            let wide = try await h.call(.get, "/v1/users/me/llm-usage?days=60").json
            #expect(wide["period_days"].int == 60 && wide["summary"]["old_feature"]["input_tokens"].int == 9)
        }
    }

    @Test(arguments: TestEngine.available)
    func topFeaturesLimit(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for q in ["limit=0", "limit=11", "days=0", "days=366"] {
                let r = try await h.call(.get, "/v1/users/me/llm-usage/top-features?\(q)")
                #expect(r.status == 422 && r.json["detail"][0]["loc"][0].string == "query", "\(q): \(r.text)")
            }
            try await post(h, #"{"input_tokens":40,"output_tokens":10,"account":"omi"}"#)
            try await feature(h, "chat", input: 30, output: 0)
            try await feature(h, "memories", input: 20, output: 0)
            try await feature(h, "titles", input: 10, output: 0)
            let byDefault = try await h.call(.get, "/v1/users/me/llm-usage/top-features")
            #expect(byDefault.status == 200)
            var names: [String] = []
            for entry in byDefault.json.array { names.append(entry["feature"].string ?? "?") }
            #expect(names == ["desktop_chat", "chat", "memories"])
            #expect(byDefault.json[0]["total_tokens"].int == 50 && byDefault.json[0]["call_count"].int == 1)
            #expect(try await h.call(.get, "/v1/users/me/llm-usage/top-features?limit=10").json.array.count == 4)
            #expect(try await h.call(.get, "/v1/users/me/llm-usage/top-features?limit=1").json.array.count == 1)
        }
    }
}

@Suite("Plan, quota and payments (users.md §12)")
struct UsagePlanQuotaTests {
    func number(_ v: Wire.JSONValue) -> Double? { UsagePlanLLMUsageTests().number(v) }

    /// Unix seconds of 00:00:00 UTC on the first day of the month after `date`.
    func nextMonthStart(_ date: Date = Date()) -> Int64 {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let start = cal.date(from: cal.dateComponents([.year, .month], from: date))!
        return Int64(cal.date(byAdding: .month, value: 1, to: start)!.timeIntervalSince1970)
    }

    /// Reads `path` and checks a unix reset instant in it against the clock on both sides of the call.
    func get(_ h: TestHarness, _ path: String, reset key: String? = nil,
                    as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let before = nextMonthStart()
        let r = try await h.call(.get, path, as: user)
        let after = nextMonthStart()
        try #require(r.status == 200, "\(path): \(r.text)")
        if let key {
            let reset = r.json[key].int
            #expect(reset == before || reset == after, "\(path) \(key): \(r.text)")
        }
        return r.json
    }

    func ask(_ h: TestHarness, _ n: Int, sender: String = "human") async throws {
        for i in 0..<n {
            let r = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"q\#(i)","sender":"\#(sender)"}"#)
            try #require(r.status == 200, "\(r.text)")
        }
    }

    let subscriptionKeys: Set<String> = [
        "subscription", "transcription_seconds_used", "words_transcribed_used", "insights_gained_used",
        "memories_created_used", "transcription_seconds_limit", "words_transcribed_limit", "insights_gained_limit",
        "memories_created_limit", "available_plans", "show_subscription_ui", "chat_quota_used", "chat_quota_unit",
        "chat_quota_percent", "chat_quota_allowed", "chat_quota_reset_at", "phone_call_quota",
        "desktop_grandfather_until", "transcription_allowance",
    ]
    let counters = ["transcription_seconds", "words_transcribed", "insights_gained", "memories_created"]
        .flatMap { ["\($0)_used", "\($0)_limit"] }
    let limitKeys: Set<String> = ["transcription_seconds", "words_transcribed", "insights_gained",
                                         "memories_created", "chat_questions_per_month", "chat_cost_usd_per_month"]
    let overageKeys: Set<String> = [
        "plan", "plan_type", "is_overage_plan", "included_questions", "included_cost_usd", "used_questions",
        "excess_questions", "real_cost_usd", "overage_usd", "markup_multiplier", "markup_percent", "reset_at",
        "explainer_title", "explainer_body", "provider_reference_rates", "byok_available",
    ]

    @Test(arguments: TestEngine.available)
    func subscriptionOfANewUserHasEveryKey(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let s = try await get(h, "/v1/users/me/subscription", reset: "chat_quota_reset_at")
            #expect(subscriptionKeys.isSubset(of: s.keys), "\(subscriptionKeys.subtracting(s.keys))")
            for key in counters { #expect(s[key].int == 0, "\(key)") }
            #expect(s["available_plans"] == .array([]) && s["show_subscription_ui"].bool == false)
            #expect(number(s["chat_quota_used"]) == 0 && number(s["chat_quota_percent"]) == 0)
            #expect(s["chat_quota_unit"].string == "questions" && s["chat_quota_allowed"].bool == true)
            #expect(s.has("phone_call_quota") && s["phone_call_quota"].isNull)
            #expect(s.has("desktop_grandfather_until") && s["desktop_grandfather_until"].isNull)
            #expect(s["transcription_allowance"] == .object(["mode": .string("managed"), "remaining_seconds": .null,
                                                             "reason": .string("")]))
            let sub = s["subscription"]
            #expect(sub["plan"].string == "unlimited" && sub["status"].string == "active")
            #expect(sub["features"] == .array([]) && sub["cancel_at_period_end"].bool == false)
            #expect(sub["deprecated"].bool == false)
            for key in ["current_period_end", "current_period_start", "stripe_subscription_id", "current_price_id",
                        "deprecation_message"] {
                #expect(sub.has(key) && sub[key].isNull, "\(key)")
            }
            #expect(sub["limits"].keys == limitKeys)
            for key in limitKeys { #expect(sub["limits"][key].isNull, "\(key)") }
        }
    }

    @Test(arguments: TestEngine.available)
    func memoriesCreatedThisMonthAreCounted(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for (content, user) in [("likes tea", "user-a"), ("walks daily", "user-a"), ("plays chess", "user-b")] {
                let r = try await h.call(.post, "/v3/memories", as: user, json: #"{"content":"\#(content)"}"#)
                try #require(r.status == 200, "\(r.text)")
            }
            #expect(try await get(h, "/v1/users/me/subscription")["memories_created_used"].int == 2)
            #expect(try await get(h, "/v1/users/me/subscription", as: "user-b")["memories_created_used"].int == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func configuredPlanIsReported(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { s in
            s.selfHostedPlanType = "pro"
            s.selfHostedPlanName = "Pro"
        }) { h in
            #expect(try await get(h, "/v1/users/me/subscription")["subscription"]["plan"].string == "pro")
            let q = try await get(h, "/v1/users/me/usage-quota")
            #expect(q["plan"].string == "Pro" && q["plan_type"].string == "pro")
            let o = try await get(h, "/v1/payments/overage-info")
            #expect(o["plan"].string == "Pro" && o["plan_type"].string == "pro")
            #expect(try await get(h, "/v1/users/me/trial")["plan_after_trial"].string == "Pro")
        }
    }

    @Test(arguments: TestEngine.available)
    func quotaWithoutCapIsUnlimited(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await ask(h, 2)
            let q = try await get(h, "/v1/users/me/usage-quota", reset: "reset_at")
            #expect(q["plan"].string == "Unlimited" && q["plan_type"].string == "unlimited")
            #expect(q["unit"].string == "questions" && number(q["used"]) == 2)
            #expect(q.has("limit") && q["limit"].isNull)
            #expect(q["allowed"].bool == true && number(q["percent"]) == 0 && q["is_overage_plan"].bool == false)
            let o = try await get(h, "/v1/payments/overage-info", reset: "reset_at")
            #expect(overageKeys.isSubset(of: o.keys), "\(overageKeys.subtracting(o.keys))")
            #expect(o["plan"].string == "Unlimited" && o["plan_type"].string == "unlimited")
            #expect(o.has("included_questions") && o["included_questions"].isNull)
            #expect(o.has("included_cost_usd") && o["included_cost_usd"].isNull)
            #expect(o["used_questions"].int == 2 && o["excess_questions"].int == 0)
            #expect(o["is_overage_plan"].bool == false && o["byok_available"].bool == true)
            #expect(number(o["markup_multiplier"]) == 1 && number(o["markup_percent"]) == 0)
            #expect(number(o["real_cost_usd"]) == 0 && number(o["overage_usd"]) == 0)
            #expect(!(o["explainer_title"].string ?? "").isEmpty && !(o["explainer_body"].string ?? "").isEmpty)
            #expect(o["provider_reference_rates"] == .object([:]))
        }
    }

    @Test(arguments: TestEngine.available)
    func capCountsHumanQuestionsOnly(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.selfHostedChatQuestionsPerMonth = 10 }) { h in
            try await ask(h, 4)
            try await ask(h, 3, sender: "ai")
            let q = try await get(h, "/v1/users/me/usage-quota", reset: "reset_at")
            #expect(number(q["used"]) == 4 && number(q["limit"]) == 10)
            #expect(number(q["percent"]) == 40 && q["allowed"].bool == true)
            let s = try await get(h, "/v1/users/me/subscription")
            #expect(number(s["chat_quota_used"]) == 4 && number(s["chat_quota_percent"]) == 40)
            #expect(s["subscription"]["limits"]["chat_questions_per_month"].int == 10)
            let o = try await get(h, "/v1/payments/overage-info")
            #expect(o["included_questions"].int == 10 && o["used_questions"].int == 4)
            // Another user's questions are theirs alone.
            let b = try await get(h, "/v1/users/me/usage-quota", as: "user-b")
            #expect(number(b["used"]) == 0 && b["allowed"].bool == true)

            try await ask(h, 6)
            let full = try await get(h, "/v1/users/me/usage-quota")
            #expect(number(full["used"]) == 10 && number(full["percent"]) == 100 && full["allowed"].bool == false)
            #expect(try await get(h, "/v1/users/me/subscription")["chat_quota_allowed"].bool == false)
        }
    }

    @Test func unknownPlanTypeIsRefusedAtStartup() throws {
        #expect {
            try Settings.fromEnvironment(["AUTH_DEV_MODE": "true", "SELF_HOSTED_PLAN_TYPE": "gold"])
        } throws: { error in
            (error as? SettingsError)?.description.contains("SELF_HOSTED_PLAN_TYPE") == true
        }
        let s = try Settings.fromEnvironment([
            "AUTH_DEV_MODE": "true", "SELF_HOSTED_PLAN_TYPE": "operator", "SELF_HOSTED_PLAN_NAME": "Ops",
            "SELF_HOSTED_CHAT_QUESTIONS_PER_MONTH": "25",
        ])
        #expect(s.selfHostedPlanType == "operator" && s.selfHostedPlanName == "Ops")
        #expect(s.selfHostedChatQuestionsPerMonth == 25)
    }

    /// With the paywall on, the trial route reports the operator's trial from the account's creation, and the paywall
    /// route gives the paid routes' decision, per user.
    @Test(arguments: TestEngine.available)
    func thePaywallReportsTheOperatorsTrial(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 3600
        }) { h in
            let before = Clock.nowMicros()
            let trial = try await get(h, "/v1/users/me/trial")
            let started = try #require(trial["trial_started_at"].string.flatMap(Timestamp.parseMicros), "\(trial)")
            let ends = try #require(trial["trial_ends_at"].string.flatMap(Timestamp.parseMicros), "\(trial)")
            #expect(started >= before - 1_000_000 && started <= Clock.nowMicros())
            #expect(abs(ends - started - 3_600_000_000) <= 1_000)
            #expect((3590...3600).contains(trial["trial_remaining_seconds"].int ?? -1), "\(trial)")
            #expect(trial["trial_expired"] == .bool(false) && trial["trial_duration_seconds"] == .int(3600))
            #expect(try await get(h, "/v1/users/me/paywall") == .object(["paywalled": .bool(false)]))
        }
        try await TestHarness.run(engine, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 0
        }) { h in
            for user in ["user-a", "user-b"] {
                let trial = try await get(h, "/v1/users/me/trial", as: user)
                #expect(trial["trial_expired"] == .bool(true) && trial["trial_remaining_seconds"] == .int(0), "\(trial)")
                #expect(trial["trial_started_at"] == trial["trial_ends_at"] && trial["trial_started_at"].string != nil)
                #expect(try await get(h, "/v1/users/me/paywall", as: user) == .object(["paywalled": .bool(true)]))
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func billingRoutesWithoutAProvider(engine: TestEngine) async throws {
        let disabled = "Billing is not enabled on this server"
        try await TestHarness.run(engine) { h in
            #expect(try await get(h, "/v1/payments/available-plans") == .object(["plans": .array([])]))
            for path in ["/v1/payments/checkout-session", "/v1/payments/upgrade-subscription"] {
                let r = try await h.call(.post, path, json: #"{"price_id":"p","promotion_code":"X"}"#)
                #expect(r.status == 409 && r.json == .object(["detail": .string(disabled)]), "\(path): \(r.text)")
                let missing = try await h.call(.post, path, json: #"{}"#)
                #expect(missing.status == 422 && !missing.json["detail"].array.isEmpty, "\(path): \(missing.text)")
            }
            let portal = try await h.call(.post, "/v1/payments/customer-portal")
            #expect(portal.status == 409 && portal.json == .object(["detail": .string(disabled)]), "\(portal.text)")
            let trial = try await get(h, "/v1/users/me/trial")
            #expect(trial == Wire.JSONValue(jsonText: #"""
                {"trial_started_at":null,"trial_ends_at":null,"trial_remaining_seconds":0,"trial_expired":false,
                 "trial_duration_seconds":0,"trial_features":[],"plan_after_trial":"Unlimited"}
                """#))
            #expect(try await get(h, "/v1/users/me/paywall") == .object(["paywalled": .bool(false)]))
            for path in ["/v1/payments/success?session_id=x", "/v1/payments/cancel"] {
                let page = try await h.call(.get, path, as: nil)
                #expect(page.status == 200, "\(path): \(page.text)")
                #expect(page.headers[.contentType]?.lowercased().hasPrefix("text/html") == true, "\(path)")
                #expect(page.text.lowercased().contains("close"), "\(path): \(page.text)")
            }
        }
    }
}

@Suite("Client keys held by the server (users.md §17)")
struct UsagePlanClientKeyTests {
    let path = "/v1/config/api-keys"

    @Test(arguments: TestEngine.available)
    func nothingConfiguredAnswersAnEmptyObject(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let anonymous = try await h.call(.get, path, as: nil)
            #expect(anonymous.status == 401 && anonymous.detail == "Authorization header not found")
            let r = try await h.call(.get, path)
            #expect(r.status == 200 && r.json == .object([:]), "\(r.text)")
            #expect(r.headers[.cacheControl] == "no-store")
        }
    }

    @Test(arguments: TestEngine.available)
    func onlyTheFirebaseKey(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.firebaseAPIKey = "fb-key" }) { h in
            let r = try await h.call(.get, path)
            #expect(r.status == 200 && r.json == .object(["firebase_api_key": .string("fb-key")]), "\(r.text)")
            #expect(r.headers[.cacheControl] == "no-store")
        }
    }

    @Test(arguments: TestEngine.available, [false, true])
    func providerSecretsOnlyWhenOptedIn(engine: TestEngine, legacy: Bool) async throws {
        try await TestHarness.run(engine, configure: { s in
            s.googleCalendarAPIKey = "cal-key"
            s.geminiAPIKey = "gem-key"
            s.deepgramAPIKey = "dg-key"
            s.anthropicAPIKey = "an-key"
            s.serveLegacyProviderKeys = legacy
        }) { h in
            let r = try await h.call(.get, path)
            var expected: [String: Wire.JSONValue] = ["google_calendar_api_key": .string("cal-key")]
            if legacy {
                for (k, v) in [("gemini", "gem-key"), ("deepgram", "dg-key"), ("anthropic", "an-key")] {
                    expected["\(k)_api_key"] = .string(v)
                }
            }
            #expect(r.status == 200 && r.json == .object(expected), "\(r.text)")
            #expect(r.headers[.cacheControl] == "no-store")
        }
    }
}
