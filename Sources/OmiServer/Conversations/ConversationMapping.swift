import Foundation
import OmiContract
import OmiStorage

/// Conversions between stored conversations and folders and their wire shapes (knowledge.md §1.1, §1.2).
enum ConversationMapping {
    static let categories: Set<String> = [
        "personal", "education", "health", "finance", "legal", "philosophy", "spiritual", "science", "entrepreneurship",
        "parenting", "romantic", "travel", "inspiration", "technology", "business", "social", "work", "sports",
        "politics", "literature", "history", "architecture", "music", "weather", "news", "entertainment", "psychology",
        "real", "design", "family", "economics", "environment", "other",
    ]

    static let sources: Set<String> = [
        "friend", "omi", "fieldy", "bee", "plaud", "frame", "friend_com", "apple_watch", "phone", "phone_call", "desktop",
        "openglass", "screenpipe", "workflow", "sdcard", "external_integration", "limitless", "rayban_meta", "onboarding",
        "unknown",
    ]

    static let statuses: Set<String> = ["in_progress", "processing", "merging", "completed", "failed"]

    /// A source as stored: one of the known values, anything else `unknown`.
    static func source(_ raw: String?, default fallback: String) -> String {
        guard let raw, !raw.isEmpty else { return fallback }
        return sources.contains(raw) ? raw : "unknown"
    }

    static func date(_ micros: Int64) -> Date { Timestamp.date(micros: micros) }

    static func conversation(_ r: ConversationRecord) -> Wire.Conversation {
        var c = Wire.Conversation(id: r.id, createdAt: date(r.createdAt))
        c.startedAt = r.startedAt.map(date)
        c.finishedAt = r.finishedAt.map(date)
        c.updatedAt = date(r.updatedAt)
        c.structured = structured(r.structured)
        c.transcriptSegments = r.segments.map {
            Wire.TranscriptSegment(id: $0.id, text: $0.text, speaker: $0.speaker, speakerId: $0.speakerId,
                                   isUser: $0.isUser, personId: $0.personId, start: $0.start, end: $0.end)
        }
        c.source = r.source
        c.language = r.language
        c.status = statuses.contains(r.status) ? r.status : "completed"
        c.discarded = r.discarded
        c.starred = r.starred
        c.visibility = r.visibility
        c.folderId = r.folderId
        c.inputDeviceName = r.inputDeviceName
        c.appsResults = r.appsResults.map { Wire.AppResult(appId: $0.appId, content: $0.content) }
        c.geolocation = r.geolocation.flatMap { Wire.JSONValue(jsonText: $0) }
        return c
    }

    static func structured(_ s: StructuredRecord) -> Wire.Structured {
        var w = Wire.Structured()
        w.title = s.title
        w.overview = s.overview
        w.emoji = s.emoji
        w.category = categories.contains(s.category) ? s.category : "other"
        w.actionItems = s.actionItems.map { Wire.EmbeddedActionItem(description: $0.description, completed: $0.completed,
                                                                    dueAt: $0.dueAt.map(date)) }
        w.events = s.events.map { Wire.Event(title: $0.title, description: $0.description, start: date($0.start),
                                             duration: min($0.duration, 180), created: $0.created) }
        return w
    }

    static func folder(_ f: FolderRecord) -> Wire.Folder {
        var w = Wire.Folder(id: f.id, name: f.name, createdAt: date(f.createdAt), updatedAt: date(f.updatedAt))
        w.description = f.description
        w.color = f.color
        w.icon = f.icon
        w.order = Int(f.order)
        w.isDefault = f.isDefault
        w.isSystem = f.isSystem
        w.categoryMapping = f.categoryMapping
        w.conversationCount = f.conversationCount
        return w
    }
}
