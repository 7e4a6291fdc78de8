import Foundation
import OmiContract

/// The one server-wide plan of a server without a payment provider (users.md §12.1).
struct SelfHostedPlan: Sendable {
    let type: String
    let name: String
    let questionsPerMonth: Int?

    init(settings: Settings) {
        type = settings.selfHostedPlanType
        name = settings.selfHostedPlanName
        questionsPerMonth = settings.selfHostedChatQuestionsPerMonth
    }

    /// 00:00:00 UTC on the first day of the month of `micros`, in micros.
    static func monthStart(_ micros: Int64) -> Int64 {
        let c = utc.dateComponents([.year, .month], from: Timestamp.date(micros: micros))
        return Timestamp.micros(utc.date(from: c)!)
    }

    /// Unix seconds of 00:00:00 UTC on the first day of the next month.
    static func nextMonthStart(_ micros: Int64) -> Int64 {
        let start = utc.date(from: utc.dateComponents([.year, .month], from: Timestamp.date(micros: micros)))!
        return Int64(utc.date(byAdding: .month, value: 1, to: start)!.timeIntervalSince1970)
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The chat quota of §12.3 for `used` questions this month; the BYOK answer when an LLM key validated.
    func quota(used: Int, now: Int64, byok: Bool) -> Wire.UsageQuota {
        if byok {
            return Wire.UsageQuota(plan: "Free (BYOK)", planType: "unlimited", used: 0, limit: nil, percent: 0,
                                   allowed: true, resetAt: nil)
        }
        let usedValue = (Double(used) * 10_000).rounded() / 10_000
        guard let cap = questionsPerMonth else {
            return Wire.UsageQuota(plan: name, planType: type, used: usedValue, limit: nil, percent: 0, allowed: true,
                                   resetAt: Self.nextMonthStart(now))
        }
        let percent = min(100, (100 * Double(used) / Double(cap) * 100).rounded() / 100)
        return Wire.UsageQuota(plan: name, planType: type, used: usedValue, limit: Double(cap), percent: percent,
                               allowed: used < cap, resetAt: Self.nextMonthStart(now))
    }
}
