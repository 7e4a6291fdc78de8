import Crypto
import Foundation
import OmiContract
import OmiStorage

/// Memory ids, categories and the wire shapes of memories and goals (knowledge.md §1.3, §1.4).
enum KnowledgeMapping {
    static let legacySystemCategories: Set<String> = [
        "core", "hobbies", "lifestyle", "interests", "habits", "work", "skills", "learnings", "other",
    ]

    /// `system`, `interesting`, `manual` are kept; legacy values become `system`; anything else `interesting`.
    static func category(_ raw: String) -> String {
        if ["system", "interesting", "manual"].contains(raw) { return raw }
        return legacySystemCategories.contains(raw) ? "system" : "interesting"
    }

    /// The first 16 bytes of SHA-256 of the content as received, shaped as a version-4 UUID.
    static func memoryId(_ content: String) -> String {
        var bytes = Array(SHA256.hash(data: Array(content.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        return [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
                hex.dropFirst(20)].joined(separator: "-")
    }

    static func memory(_ m: MemoryRecord, uid: String) -> Wire.Memory {
        var w = Wire.Memory(id: m.id, uid: uid, content: m.content, createdAt: Timestamp.date(micros: m.createdAt),
                            updatedAt: Timestamp.date(micros: m.updatedAt))
        w.category = category(m.category)
        w.conversationId = m.conversationId
        w.reviewed = m.reviewed
        w.userReview = m.userReview
        w.visibility = m.visibility
        w.manuallyAdded = m.manuallyAdded
        w.scoring = m.scoring
        w.source = m.source
        w.confidence = m.confidence
        w.sourceApp = m.sourceApp
        w.contextSummary = m.contextSummary
        w.reasoning = m.reasoning
        w.currentActivity = m.currentActivity
        w.windowTitle = m.windowTitle
        w.headline = m.headline
        w.inputDeviceName = m.inputDeviceName
        w.isRead = m.isRead
        w.isDismissed = m.isDismissed
        w.tags = m.tags
        w.edited = m.edited
        return w
    }

    static func goal(_ g: GoalRecord) -> Wire.Goal {
        var w = Wire.Goal(id: g.id, title: g.title, targetValue: g.targetValue, createdAt: Timestamp.date(micros: g.createdAt),
                          updatedAt: Timestamp.date(micros: g.updatedAt))
        w.description = g.description
        w.goalType = g.goalType
        w.currentValue = g.currentValue
        w.minValue = g.minValue
        w.maxValue = g.maxValue
        w.unit = g.unit
        w.isActive = g.isActive
        w.completedAt = g.completedAt.map { Timestamp.date(micros: $0) }
        w.source = g.source
        return w
    }

    /// `YYYY-MM-DD` of an instant in UTC.
    static func utcDate(_ micros: Int64) -> String { String(Timestamp.format(micros: micros).prefix(10)) }
}
