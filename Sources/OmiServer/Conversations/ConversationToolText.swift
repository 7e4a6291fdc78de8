import Foundation
import OmiContract
import OmiStorage

/// The conversation blocks the RAG tools hand to the chat agent (knowledge.md §8).
enum ConversationToolText {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `05 Mar 2026 at 14:07`, in UTC.
    static func long(_ micros: Int64) -> String {
        let t = Timestamp.format(micros: micros)
        let month = months[(Int(t.dropFirst(5).prefix(2)) ?? 1) - 1]
        return "\(t.dropFirst(8).prefix(2)) \(month) \(t.prefix(4)) at \(t.dropFirst(11).prefix(5))"
    }

    static func capitalised(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    static func blocks(_ records: [ConversationRecord], includeTranscript: Bool) -> String {
        records.enumerated().map { index, r in block(r, number: index + 1, includeTranscript: includeTranscript) }
            .joined(separator: "\n\n---------------------\n\n")
    }

    static func block(_ r: ConversationRecord, number: Int, includeTranscript: Bool) -> String {
        let category = ConversationMapping.categories.contains(r.structured.category) ? r.structured.category : "other"
        var lines = ["Conversation #\(number)", "\(long(r.createdAt)) UTC (\(capitalised(category)))"]
        if let started = r.startedAt { lines.append("Started: \(long(started)) UTC") }
        if let finished = r.finishedAt { lines.append("Finished: \(long(finished)) UTC") }
        lines.append(capitalised(r.structured.title))
        let summary = r.appsResults.first { !$0.content.isEmpty }?.content ?? r.structured.overview
        if !summary.isEmpty { lines.append(summary) }
        if !r.structured.actionItems.isEmpty {
            lines.append("Action Items:")
            lines += r.structured.actionItems.map { "- \($0.description)" }
        }
        if !r.structured.events.isEmpty {
            lines.append("Events:")
            lines += r.structured.events.map {
                "- \($0.title) (\(Timestamp.format(micros: $0.start)) - \(min($0.duration, 180)) minutes)"
            }
        }
        var text = lines.joined(separator: "\n")
        if includeTranscript && !r.segments.isEmpty {
            let transcript = r.segments.prefix(1000).map { s in
                "\(s.isUser ? "User" : "Speaker \(s.speakerId)"): \(s.text)"
            }.joined(separator: "\n\n")
            text += "\n\nTranscript:\n" + transcript
        }
        return text
    }

    /// A tool date, which must carry its offset; the error text of §8 otherwise.
    static func date(_ raw: String?, field: String) -> Result<Int64?, ToolFailure> {
        guard let raw else { return .success(nil) }
        guard TaskQueryDates.hasZone(raw), let micros = TaskQueryDates.parse(raw) else {
            return .failure(ToolFailure(text: "Error: Invalid \(field) format: \(field) must include timezone in format "
                + "YYYY-MM-DDTHH:MM:SS+HH:MM (e.g., '2024-01-19T15:00:00-08:00'): \(raw)"))
        }
        return .success(micros)
    }
}
