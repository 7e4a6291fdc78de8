import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Settings from the environment")
struct SettingsTests {
    @Test func defaultsNeedOnlyDevelopmentMode() throws {
        let s = try Settings.fromEnvironment(["AUTH_DEV_MODE": "true"])
        #expect(s.host == "127.0.0.1" && s.port == 8080)
        #expect(s.databaseLocation == .sqlite(path: "./data/omi.sqlite"))
        #expect(s.authClockSkewSeconds == 60 && s.rateLimitEnabled && s.rateLimitMultiplier == 10)
        #expect(s.maxRequestBytes == 4 * 1024 * 1024 && s.shareBaseURL == "https://h.omi.me")
        #expect(!s.desktopPaywallEnabled && !s.planEnforcementEnabled && s.corsAllowedOrigins.isEmpty)
        #expect(s.authImpersonationKey == nil && s.mountPrefix == nil && s.legacyMountPrefix == nil)
    }

    @Test func everyProblemIsNamedAtOnce() {
        let env = ["AUTH_CLOCK_SKEW_SECONDS": "301", "PORT": "http", "AUTH_IMPERSONATION_KEY": "short",
                   "CORS_ALLOWED_ORIGINS": "*", "DATABASE_URL": "mysql://x", "RATE_LIMIT_ENABLED": "perhaps"]
        #expect {
            try Settings.fromEnvironment(env)
        } throws: { error in
            let text = "\(error)"
            return ["FIREBASE_PROJECT_ID", "AUTH_CLOCK_SKEW_SECONDS", "PORT", "AUTH_IMPERSONATION_KEY",
                    "CORS_ALLOWED_ORIGINS", "DATABASE_URL", "RATE_LIMIT_ENABLED"].allSatisfy(text.contains)
        }
    }

    @Test func valuesAreRead() throws {
        let s = try Settings.fromEnvironment([
            "FIREBASE_PROJECT_ID": "based-hardware", "DATABASE_URL": "postgres://u@h/db", "MOUNT_PREFIX": "/omi/",
            "LEGACY_MOUNT_PREFIX": "legacy", "CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "SHARE_BASE_URL": "https://share.example/", "RATE_LIMIT_MULTIPLIER": "100", "HOST": "0.0.0.0",
        ])
        #expect(s.databaseLocation == .postgres(url: "postgres://u@h/db"))
        #expect(s.mountPrefix == "/omi" && s.legacyMountPrefix == "/legacy")
        #expect(s.corsAllowedOrigins == ["https://a.example", "https://b.example"])
        #expect(s.shareBaseURL == "https://share.example" && s.rateLimitMultiplier == 100 && s.hostIsExplicit)
        // Task links follow SHARE_BASE_URL unless TASK_SHARE_BASE_URL names their own base.
        #expect(s.taskShareBaseURL == "https://share.example")
        let own = try Settings.fromEnvironment(["AUTH_DEV_MODE": "true", "TASK_SHARE_BASE_URL": "https://tasks.example/"])
        #expect(own.taskShareBaseURL == "https://tasks.example" && own.shareBaseURL == "https://h.omi.me")
    }
}

@Suite("Instants on the wire (conventions.md §7)")
struct TimestampTests {
    @Test(arguments: [
        ("2026-01-25T22:51:07.159Z", "2026-01-25T22:51:07.159000Z"),
        ("2026-01-25T22:51:07Z", "2026-01-25T22:51:07.000000Z"),
        ("2026-01-25T22:51:07+00:00", "2026-01-25T22:51:07.000000Z"),
        ("2026-01-26T04:21:07+0530", "2026-01-25T22:51:07.000000Z"),
        ("2026-01-25T23:51:07+01", "2026-01-25T22:51:07.000000Z"),
        ("2026-01-25 22:51:07.123456789Z", "2026-01-25T22:51:07.123456Z"),
        ("2026-01-25T22:51:07.5", "2026-01-25T22:51:07.500000Z"),
        ("1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"),
    ])
    func acceptedForms(input: String, canonical: String) throws {
        let micros = try #require(Timestamp.parseMicros(input))
        #expect(Timestamp.format(micros: micros) == canonical)
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2026-2-3T00:00:00Z", "2026-01-25", "1737845467", "2026-01-25T25:00:00Z",
                      "2026-01-25T22:51:07.Z", "2026-01-25T22:51:07.1234567890Z", "2026-01-25T22:51:07+0", "garbage", ""])
    func refusedForms(input: String) {
        #expect(Timestamp.parseMicros(input) == nil)
    }

    /// Instants outside four-digit years are written whole (the day counts are Python's `datetime.date` arithmetic), and
    /// no instant an `Int64` holds writes more than `maxFormattedLength` bytes, the room list responses reserve.
    @Test(arguments: [
        (Int64(253_402_300_800_000_000), "10000-01-01T00:00:00.000000Z"),
        (-62_135_596_800_000_000, "0001-01-01T00:00:00.000000Z"),
        (-62_135_596_800_000_001, "0000-12-31T23:59:59.999999Z"),
        (-62_167_305_600_000_000, "-0001-12-31T00:00:00.000000Z"),
    ])
    func yearsBeyondFourDigits(micros: Int64, text: String) {
        #expect(Timestamp.format(micros: micros) == text)
    }

    @Test func everyInstantFitsTheRoomReserved() {
        for micros in [Int64.max, .min, .min + 1, -1, 0] {
            let text = Timestamp.format(micros: micros)
            #expect(text.utf8.count <= Timestamp.maxFormattedLength, "\(micros): \(text)")
            #expect(text.hasSuffix("Z"))
        }
        #expect(Timestamp.format(micros: .max).utf8.count == Timestamp.maxFormattedLength - 1)
        #expect(Timestamp.format(micros: .min).utf8.count == Timestamp.maxFormattedLength)
    }

    @Test func millisecondsSurviveTheRoundTrip() {
        for ms in stride(from: Int64(1_737_845_467_000), to: 1_737_845_468_000, by: 7) {
            let date = Timestamp.date(micros: ms * 1000)
            #expect(Timestamp.micros(date) == ms * 1000)
        }
    }
}
