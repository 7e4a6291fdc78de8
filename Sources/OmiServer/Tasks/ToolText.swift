import Foundation
import OmiContract
import OmiStorage

/// The texts the task tools hand to the chat agent (tasks.md §4). No client parses them; the templates keep our output
/// consistent.
enum ToolText {
    /// `YYYY-MM-DD HH:MM UTC`.
    static func time(_ micros: Int64) -> String { minutes(micros) + " UTC" }

    /// `YYYY-MM-DD HH:MM` in UTC.
    static func minutes(_ micros: Int64) -> String {
        String(Timestamp.format(micros: micros).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    static func day(_ micros: Int64) -> String { String(Timestamp.format(micros: micros).prefix(10)) }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    static func seconds(_ micros: Int64) -> String { String(Timestamp.format(micros: micros).prefix(19)) + "Z" }

    /// `Mar 05`.
    static func monthDay(_ micros: Int64) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let text = Timestamp.format(micros: micros)
        let month = Int(text.dropFirst(5).prefix(2)) ?? 1
        return months[month - 1] + " " + text.dropFirst(8).prefix(2)
    }

    static func list(_ items: [ActionItemRecord], completed: Bool?, filter: ActionItemFilter) -> String {
        guard !items.isEmpty else {
            let kind = switch completed {
            case true?: "No completed action items found"
            case false?: "No pending action items found"
            case nil: "No action items found"
            }
            return kind + range(" created", filter.createdFrom, filter.createdTo)
                + range(" due", filter.dueFrom, filter.dueTo) + "."
        }
        var blocks: [String] = []
        for (index, item) in items.enumerated() {
            var lines = ["\(index + 1). [\(item.completed ? "✅ Completed" : "⬜ Pending")] \(item.description)",
                         "   ID: \(item.id)", "   Created: \(time(item.createdAt))"]
            if let due = item.dueAt { lines.append("   Due: \(time(due))") }
            if let done = item.completedAt { lines.append("   Completed: \(time(done))") }
            if let conversation = item.conversationId { lines.append("   From conversation: \(conversation)") }
            blocks.append(lines.joined(separator: "\n"))
        }
        return "User Action Items (\(items.count) total):\n\n" + blocks.joined(separator: "\n\n")
    }

    static func range(_ label: String, _ from: Int64?, _ to: Int64?) -> String {
        switch (from, to) {
        case let (from?, to?): "\(label) between \(day(from)) and \(day(to))"
        case let (from?, nil): "\(label) after \(day(from))"
        case let (nil, to?): "\(label) before \(day(to))"
        case (nil, nil): ""
        }
    }

    /// Reads a tool's date string, which must name its zone; nil with the error text otherwise.
    static func instant(_ raw: String, field: String) -> Result<Int64, ToolFailure> {
        guard TaskQueryDates.hasZone(raw), let micros = TaskQueryDates.parse(raw) else {
            return .failure(ToolFailure(text: "Error: Invalid \(field) format: '\(raw)'. Use ISO-8601 with a timezone, "
                                            + "e.g. 2026-03-01T09:00:00Z."))
        }
        return .success(micros)
    }
}

struct ToolFailure: Error {
    var text: String
}
