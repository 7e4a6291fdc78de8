import Foundation
import OmiContract
import OmiStorage

/// Stored chat rows to the wire shapes of chat.md §1.
enum ChatMapping {
    static func session(_ r: ChatSessionRecord) -> Wire.ChatSession {
        Wire.ChatSession(id: r.id, title: r.title, preview: r.preview, createdAt: Timestamp.date(micros: r.createdAt),
                         updatedAt: Timestamp.date(micros: r.updatedAt), appId: r.appScope.isEmpty ? nil : r.appScope,
                         messageCount: max(0, r.messageCount), starred: r.starred)
    }

    static func message(_ r: ChatMessageRecord) -> Wire.ChatMessage {
        Wire.ChatMessage(
            id: r.id, text: r.text, createdAt: Timestamp.date(micros: r.createdAt),
            sender: r.sender == "ai" ? "ai" : "human", type: r.type == "day_summary" ? "day_summary" : "text",
            appId: r.appScope.isEmpty ? nil : r.appScope, sessionId: r.sessionId,
            rating: r.rating.flatMap { $0 == 1 || $0 == -1 ? $0 : nil }, reported: r.reported, metadata: r.metadata,
            contentBlocks: contentBlocks(stored: r.contentBlocks, metadata: r.metadata),
            clientMessageId: r.clientMessageId,
            messageSource: r.messageSource.flatMap { ["desktop_chat", "realtime_voice"].contains($0) ? $0 : nil },
            journalRevision: r.journalRevision)
    }

    /// As saved; else the `content_blocks` array inside `metadata` when that parses as an object; else `[]`.
    static func contentBlocks(stored: String?, metadata: String?) -> [Wire.JSONValue] {
        if let stored, case .array(let blocks)? = Wire.JSONValue(jsonText: stored) { return blocks }
        if let metadata, metadata.contains("content_blocks"),
           case .object(let object)? = Wire.JSONValue(jsonText: metadata),
           case .array(let blocks)? = object["content_blocks"] {
            return blocks
        }
        return []
    }
}
