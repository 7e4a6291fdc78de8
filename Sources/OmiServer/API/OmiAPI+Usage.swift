import OpenAPIRuntime
import Foundation
import OmiContract
import OmiStorage

/// users.md §11 (LLM usage) and §12 (plan, quota, payments) on a server without a payment provider.
extension OmiAPI {
    static let billingDisabled = APIError(.conflict, "Billing is not enabled on this server")

    var plan: SelfHostedPlan { SelfHostedPlan(settings: settings) }

    static let maxTokensPerRecord = 1_000_000_000_000
    static let maxCostPerRecord = 1_000_000.0

    /// The UTC calendar day, `YYYY-MM-DD`.
    static func utcDay(_ micros: Int64) -> String { String(Timestamp.format(micros: micros).prefix(10)) }

    func recordLLMUsage(_ input: Operations.RecordLLMUsage.Input) async throws -> Operations.RecordLLMUsage.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        let counters = [(body.inputTokens, "input_tokens"), (body.outputTokens, "output_tokens"),
                        (body.cacheReadTokens, "cache_read_tokens"), (body.cacheWriteTokens, "cache_write_tokens"),
                        (body.totalTokens, "total_tokens")]
        // Upper bounds beyond any real call keep the per-day sums inside a 64-bit integer and a finite double; an
        // unbounded value once made the total overflow to infinity, which JSON cannot carry.
        for (value, key) in counters { v.range(value, 0...Self.maxTokensPerRecord, at: ["body", .key(key)]) }
        if let cost = body.costUsd, !(cost >= 0 && cost.isFinite) {
            v.fail("greater_than_equal", "Input should be greater than or equal to 0", at: ["body", "cost_usd"])
        } else if let cost = body.costUsd, cost > Self.maxCostPerRecord {
            v.fail("less_than_equal", "Input should be less than or equal to 1000000", at: ["body", "cost_usd"])
        }
        v.length(body.account, max: 100, at: ["body", "account"])
        try v.check()
        var increment = UsageIncrement()
        increment.inputTokens = Int64(body.inputTokens ?? 0)
        increment.outputTokens = Int64(body.outputTokens ?? 0)
        increment.cacheReadTokens = Int64(body.cacheReadTokens ?? 0)
        increment.cacheWriteTokens = Int64(body.cacheWriteTokens ?? 0)
        increment.totalTokens = Int64(body.totalTokens ?? 0)
        increment.costUSD = body.costUsd ?? 0
        try await usage.recordDesktop(uid: user.uid, day: Self.utcDay(Clock.nowMicros()), account: body.account ?? "omi",
                                      increment)
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getLLMUsageTotal(_ input: Operations.GetLLMUsageTotal.Input) async throws -> Operations.GetLLMUsageTotal.Output {
        let user = try RequestValues.requireUser()
        let total = try await usage.totalDesktopCost(uid: user.uid)
        return .ok(.init(body: .json(.init(totalCostUsd: (total * 1_000_000).rounded() / 1_000_000))))
    }

    func getLLMUsageSummary(_ input: Operations.GetLLMUsageSummary.Input) async throws
        -> Operations.GetLLMUsageSummary.Output {
        let user = try RequestValues.requireUser()
        let days = try Self.usageDays(input.query.days)
        let features = try await featureUsage(uid: user.uid, days: days)
        var summary: [String: Components.Schemas.FeatureCounters] = [:]
        for f in features {
            summary[f.feature] = .init(inputTokens: Int(f.inputTokens), outputTokens: Int(f.outputTokens),
                                       callCount: Int(f.callCount))
        }
        return .ok(.init(body: .json(.init(summary: .init(additionalProperties: summary),
                                           topFeatures: Self.top(features, limit: 5), periodDays: days))))
    }

    func getLLMUsageTopFeatures(_ input: Operations.GetLLMUsageTopFeatures.Input) async throws
        -> Operations.GetLLMUsageTopFeatures.Output {
        let user = try RequestValues.requireUser()
        let days = try Self.usageDays(input.query.days)
        var v = Validator()
        v.range(input.query.limit, 1...10, at: ["query", "limit"])
        try v.check()
        let features = try await featureUsage(uid: user.uid, days: days)
        return .ok(.init(body: .json(Self.top(features, limit: input.query.limit ?? 3))))
    }

    static func usageDays(_ days: Int?) throws -> Int {
        var v = Validator()
        v.range(days, 1...365, at: ["query", "days"])
        try v.check()
        return days ?? 30
    }

    /// Day records on or after the UTC date of (now − days).
    func featureUsage(uid: String, days: Int) async throws -> [FeatureUsage] {
        let since = Self.utcDay(Clock.nowMicros() - Int64(days) * 86_400_000_000)
        return try await usage.featureSummary(uid: uid, sinceDay: since)
    }

    /// By total tokens descending, ties by feature name.
    static func top(_ features: [FeatureUsage], limit: Int) -> [Components.Schemas.TopFeature] {
        features.sorted { a, b in
            let (x, y) = (a.inputTokens + a.outputTokens, b.inputTokens + b.outputTokens)
            return x != y ? x > y : a.feature < b.feature
        }.prefix(limit).map { f in
            .init(feature: f.feature, inputTokens: Int(f.inputTokens), outputTokens: Int(f.outputTokens),
                  totalTokens: Int(f.inputTokens + f.outputTokens), callCount: Int(f.callCount))
        }
    }

    func quota(uid: String) async throws -> Wire.UsageQuota {
        let now = Clock.nowMicros()
        let used = try await usage.questionsUsed(uid: uid, since: SelfHostedPlan.monthStart(now))
        return plan.quota(used: used, now: now, byok: RequestValues.byok.hasLLMKey)
    }

    func getUsageQuota(_ input: Operations.GetUsageQuota.Input) async throws -> Operations.GetUsageQuota.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(try await quota(uid: user.uid))))
    }

    func getSubscription(_ input: Operations.GetSubscription.Input) async throws -> Operations.GetSubscription.Output {
        let user = try RequestValues.requireUser()
        let byok = RequestValues.byok
        let now = Clock.nowMicros()
        let used = try await usage.questionsUsed(uid: user.uid, since: SelfHostedPlan.monthStart(now))
        let quota = plan.quota(used: used, now: now, byok: byok.hasLLMKey)
        let limits = Wire.PlanLimits(chatQuestionsPerMonth: plan.questionsPerMonth.map(Int64.init))
        var response = Wire.SubscriptionResponse(
            subscription: Wire.Subscription(plan: plan.type, features: byok.hasLLMKey ? ["byok"] : [], limits: limits),
            quota: quota)
        if !byok.hasLLMKey {
            response.memoriesCreatedUsed = try await memories.createdCount(uid: user.uid,
                                                                           since: SelfHostedPlan.monthStart(now))
        }
        return .ok(.init(body: .json(response)))
    }

    /// Without the paywall there is no trial (users.md §12.7). With it, the trial an operator set is reported, so the
    /// app's banner matches the 402s the paid routes give (conventions.md §13).
    func getTrial(_ input: Operations.GetTrial.Input) async throws -> Operations.GetTrial.Output {
        let user = try RequestValues.requireUser()
        var status = Wire.TrialStatus(planAfterTrial: plan.name)
        let now = Clock.nowMicros()
        if let trial = try await entitlements.trial(uid: user.uid, now: now) {
            status.trialStartedAt = Timestamp.date(micros: trial.startedAt)
            status.trialEndsAt = Timestamp.date(micros: trial.endsAt)
            status.trialRemainingSeconds = Int(max(0, trial.endsAt - now) / 1_000_000)
            status.trialExpired = now >= trial.endsAt
            status.trialDurationSeconds = settings.trialLengthSeconds
        }
        return .ok(.init(body: .json(status)))
    }

    /// The same decision the paid routes make. It fails open when the lookup fails, as the paywall rules say
    /// (conventions.md §13): a banner is no reason to answer 500.
    func getPaywall(_ input: Operations.GetPaywall.Input) async throws -> Operations.GetPaywall.Output {
        let user = try RequestValues.requireUser()
        let entitled = (try? await entitlements.isEntitled(user: user, now: Clock.nowMicros())) ?? true
        return .ok(.init(body: .json(.init(paywalled: !entitled))))
    }

    func getAvailablePlans(_ input: Operations.GetAvailablePlans.Input) async throws -> Operations.GetAvailablePlans.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(.init(plans: []))))
    }

    func getOverageInfo(_ input: Operations.GetOverageInfo.Input) async throws -> Operations.GetOverageInfo.Output {
        let user = try RequestValues.requireUser()
        let now = Clock.nowMicros()
        let used = try await usage.questionsUsed(uid: user.uid, since: SelfHostedPlan.monthStart(now))
        return .ok(.init(body: .json(Wire.OverageInfo(
            plan: plan.name, planType: plan.type, includedQuestions: plan.questionsPerMonth.map(Int64.init),
            usedQuestions: used, resetAt: SelfHostedPlan.nextMonthStart(now)))))
    }

    func createCheckoutSession(_ input: Operations.CreateCheckoutSession.Input) async throws
        -> Operations.CreateCheckoutSession.Output {
        _ = try RequestValues.requireUser()
        throw Self.billingDisabled
    }

    func upgradeSubscription(_ input: Operations.UpgradeSubscription.Input) async throws
        -> Operations.UpgradeSubscription.Output {
        _ = try RequestValues.requireUser()
        throw Self.billingDisabled
    }

    func createCustomerPortal(_ input: Operations.CreateCustomerPortal.Input) async throws
        -> Operations.CreateCustomerPortal.Output {
        _ = try RequestValues.requireUser()
        throw Self.billingDisabled
    }

    func paymentSuccessPage(_ input: Operations.PaymentSuccessPage.Input) async throws
        -> Operations.PaymentSuccessPage.Output {
        .ok(.init(body: .html(HTTPBody(Self.browserPage("Payment complete")))))
    }

    func paymentCancelPage(_ input: Operations.PaymentCancelPage.Input) async throws -> Operations.PaymentCancelPage.Output {
        .ok(.init(body: .html(HTTPBody(Self.browserPage("Payment cancelled")))))
    }

    static func browserPage(_ title: String) -> String {
        """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>\(title)</title></head>
        <body><h1>\(title)</h1><p>You can close this window and return to Omi.</p></body></html>
        """
    }
}
