import Foundation
import OmiContract
import OmiStorage

/// Turns a transcript into `structured` (knowledge.md §2). Without a language model every conversation gets the
/// deterministic minimum of §2.4, a pure function of the conversation. With one, `begin` marks the conversation
/// `processing` inside the request's transaction and the model's analysis is applied afterwards (`apply`), falling
/// back to the same deterministic paths when the model fails.
struct ConversationProcessor: Sendable {
    enum Mode: Sendable {
        /// Processing from scratch (force-process, finalize, from-segments, merge without reprocess).
        case fresh
        /// Re-running §2 over a conversation that may already have a summary (reprocess, merge with reprocess).
        case reprocess
    }

    var model: (any LanguageModel)?

    /// Starts processing inside the caller's transaction. Returns true when the model still has to run: the record is
    /// then `processing`, carrying the deterministic title meanwhile so lists never show an empty one. Otherwise the
    /// record is finished here. A transcript without words never goes to the model.
    func begin(_ record: inout ConversationRecord, mode: Mode, useModel: Bool = true, now: Int64, zone: TimeZone) -> Bool {
        let hasWords = !SearchText.terms(Self.transcriptText(record)).isEmpty
        guard model != nil, useModel, hasWords else {
            apply(nil, to: &record, mode: mode, now: now, zone: zone)
            return false
        }
        if mode == .fresh || record.structured.title.isEmpty {
            record.structured.title = Self.fallbackTitle(text: Self.transcriptText(record), startedAt: record.startedAt,
                                                         zone: zone)
        }
        record.status = "processing"
        record.updatedAt = now
        return true
    }

    /// Finishes processing with the model's analysis, or with the deterministic path of `mode` when there is none.
    /// A conversation the model discards gets the deterministic minimum (its title kept non-empty) and `discarded`.
    func apply(_ analysis: ConversationAnalysis?, to record: inout ConversationRecord, mode: Mode, now: Int64,
               zone: TimeZone) {
        switch (analysis, mode) {
        case (nil, .fresh): process(&record, now: now, zone: zone)
        case (nil, .reprocess): reprocess(&record, now: now, zone: zone)
        case (let analysis?, _) where analysis.discarded:
            process(&record, now: now, zone: zone)
            record.discarded = true
        case (let analysis?, _):
            record.structured = analysis.structured
            record.discarded = false
            record.status = "completed"
            record.updatedAt = now
        }
    }

    /// Processes from scratch: the deterministic summary, `discarded` only when there are no words, `completed`.
    /// `zone` is the user's time zone, in which a silent recording's title tells its time.
    func process(_ record: inout ConversationRecord, now: Int64, zone: TimeZone) {
        let text = Self.transcriptText(record)
        var structured = StructuredRecord()
        structured.title = Self.fallbackTitle(text: text, startedAt: record.startedAt, zone: zone)
        record.structured = structured
        record.discarded = SearchText.terms(text).isEmpty
        record.status = "completed"
        record.updatedAt = now
    }

    /// Reprocessing without a model never downgrades an existing summary; it only fills an empty title (§3.11).
    func reprocess(_ record: inout ConversationRecord, now: Int64, zone: TimeZone) {
        let text = Self.transcriptText(record)
        if record.structured.title.isEmpty {
            record.structured.title = Self.fallbackTitle(text: text, startedAt: record.startedAt, zone: zone)
        }
        if !SearchText.terms(text).isEmpty { record.discarded = false }
        record.status = "completed"
        record.updatedAt = now
    }

    /// Segment texts in order, blank ones skipped, whitespace runs collapsed to single spaces.
    static func transcriptText(_ record: ConversationRecord) -> String {
        record.segments.map(\.text).joined(separator: " ")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The first sentence, cut to at most 60 characters on a word boundary; `Recording · h:mm AM/PM` when silent.
    static func fallbackTitle(text: String, startedAt: Int64?, zone: TimeZone) -> String {
        guard !text.isEmpty else {
            guard let startedAt else { return "Recording" }
            return "Recording · " + clockTime(startedAt, zone: zone)
        }
        var sentence = text
        if let end = text.firstIndex(where: { ".!?".contains($0) }) { sentence = String(text[...end]) }
        let scalars = sentence.unicodeScalars
        guard scalars.count > 60 else { return sentence }
        let head = sentence.prefix(scalars: 60)
        guard let space = head.lastIndex(of: " ") else { return head }
        return String(head[..<space]).trimmingCharacters(in: .whitespaces)
    }

    /// `3:14 PM` in `zone`.
    static func clockTime(_ micros: Int64, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.hour, .minute], from: Timestamp.date(micros: micros))
        let (hour, minute) = (c.hour ?? 0, c.minute ?? 0)
        let twelve = hour % 12 == 0 ? 12 : hour % 12
        return "\(twelve):\(minute < 10 ? "0" : "")\(minute) \(hour < 12 ? "AM" : "PM")"
    }
}
