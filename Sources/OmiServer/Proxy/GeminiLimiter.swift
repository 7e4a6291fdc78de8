import OmiStorage

/// The server-key rate limiter of platform.md §3.2: a rolling burst window, a daily hard cap and a daily soft cap
/// that downgrades Pro generation. One request is one unit whatever its action; only admitted requests are recorded.
struct GeminiLimiter: Sendable {
    static let scope = "gemini"
    static let dayMicros: Int64 = 86_400_000_000

    let meters: any MeterRepository
    let settings: GeminiProxySettings

    /// Admits the request or throws 429; true when the soft cap is reached and Pro should be served as Flash.
    /// A store failure is 503: a server-paid request is never let through unmetered.
    func admit(uid: String, now: Int64) async throws(GeminiError) -> (downgrade: Bool, usage: MeterUsage) {
        let burst = Int64(settings.burstLimit)
        let hardCap = Int64(settings.dailyHardCap)
        let result: (admitted: Bool, usage: MeterUsage)
        do {
            result = try await meters.admit(
                scope: Self.scope, uid: uid, now: now, windowStart: now - settings.burstWindowSeconds * 1_000_000,
                dayStart: now - now % Self.dayMicros, units: 1,
                decide: { usage in usage.windowCount < burst && usage.dayCount < hardCap })
        } catch {
            throw .meteringDown
        }
        guard result.admitted else { throw .rateLimited }
        return (result.usage.dayCount >= Int64(settings.dailySoftCap), result.usage)
    }
}
