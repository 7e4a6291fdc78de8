import Foundation
import OmiContract
import OmiStorage

/// Wire shapes and the day arithmetic of focus.md.
enum FocusMapping {
    static let adviceCategories: Set<String> = ["productivity", "health", "communication", "learning", "other"]

    static func session(_ s: FocusSessionRecord) -> Wire.FocusSession {
        Wire.FocusSession(id: s.id, status: s.status, appOrSite: displayName(s.appOrSite), description: s.description,
                          message: s.message, createdAt: Timestamp.date(micros: s.createdAt),
                          durationSeconds: s.durationSeconds)
    }

    /// A blank app or site is shown, and grouped, as `Unknown`.
    static func displayName(_ appOrSite: String) -> String {
        appOrSite.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "Unknown" : appOrSite
    }

    static func advice(_ a: AdviceRecord) -> Wire.Advice {
        // Older desktop builds fail the whole list on a category outside the five; stray stored values read as other.
        Wire.Advice(id: a.id, content: a.content, category: adviceCategories.contains(a.category) ? a.category : "other",
                    reasoning: a.reasoning, sourceApp: a.sourceApp, confidence: a.confidence,
                    contextSummary: a.contextSummary, currentActivity: a.currentActivity,
                    createdAt: Timestamp.date(micros: a.createdAt), updatedAt: Timestamp.date(micros: a.updatedAt),
                    isRead: a.isRead, isDismissed: a.isDismissed)
    }

    static func screenRow(_ r: ScreenRowRecord, includeEmbedding: Bool) -> Wire.ScreenActivityRow {
        var row = Wire.ScreenActivityRow(
            id: r.storageId, timestamp: Timestamp.formatMilliseconds(micros: r.capturedAt), appName: r.appName, windowTitle: r.windowTitle,
            ocrText: r.ocrText, localScreenshotId: "\(r.localId)", captureEligible: r.captureEligible,
            accountGeneration: r.accountGeneration, deviceName: r.deviceName, clientDeviceId: r.clientDeviceId,
            deviceRetentionSeconds: r.retentionSeconds, embedding: r.embedding)
        row.embeddingIncluded = includeEmbedding
        return row
    }

    /// A `YYYY-MM-DD` query that must be a real date; nil when absent.
    static func day(_ raw: String?, zone: TimeZone) throws -> ScoreMath.Day? {
        guard let raw else { return nil }
        var v = Validator()
        v.pattern(raw, { $0.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil }, description: #"^\d{4}-\d{2}-\d{2}$"#,
                  at: ["query", "date"])
        try v.check()
        guard let day = try? ScoreMath.day(date: raw, zone: zone) else {
            v.fail("value_error", "Value error, not a real calendar date", at: ["query", "date"],
                   input: Validator.echo(raw))
            try v.check()
            return nil
        }
        return day
    }
}

/// The daily totals of focus.md §1.5.
struct FocusStatistics {
    var focusedSeconds: Int64 = 0
    var distractedSeconds: Int64 = 0
    var focusedCount = 0
    var distractedCount = 0
    var distractions: [(name: String, seconds: Int64, count: Int, newest: Int64)] = []

    init(_ sessions: [FocusSessionRecord]) {
        var groups: [String: (seconds: Int64, count: Int, newest: Int64)] = [:]
        for s in sessions {
            switch s.status {
            case "focused":
                focusedCount += 1
                focusedSeconds += s.durationSeconds ?? 0
            case "distracted":
                // An absent duration counts as a minute; an explicit 0 counts as nothing.
                let seconds = s.durationSeconds ?? 60
                distractedCount += 1
                distractedSeconds += seconds
                let name = FocusMapping.displayName(s.appOrSite)
                var group = groups[name] ?? (0, 0, Int64.min)
                group.seconds += seconds
                group.count += 1
                group.newest = max(group.newest, s.createdAt)
                groups[name] = group
            default:
                continue
            }
        }
        distractions = groups.map { (name: $0.key, seconds: $0.value.seconds, count: $0.value.count, newest: $0.value.newest) }
            .sorted { a, b in
                if a.seconds != b.seconds { return a.seconds > b.seconds }
                if a.newest != b.newest { return a.newest > b.newest }
                return a.name < b.name
            }
    }
}
