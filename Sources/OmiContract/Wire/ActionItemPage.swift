extension Wire {
    /// A page of tasks (tasks.md §1.1). Its JSON is written by `JSONBytes` when it is a response body
    /// (`PrewrittenJSON`); `items` repeats `action_items` for older builds, so an equal array is written once and copied.
    public struct ActionItemPage: Codable, Hashable, Sendable, Prewritable {
        public var actionItems: [ActionItem]
        public var items: [ActionItem]
        public var hasMore: Bool

        public init(actionItems: [ActionItem], items: [ActionItem], hasMore: Bool) {
            self.actionItems = actionItems
            self.items = items
            self.hasMore = hasMore
        }

        enum CodingKeys: String, CodingKey {
            case actionItems = "action_items", items, hasMore = "has_more"
        }

        public func encode(to encoder: any Encoder) throws {
            if try PrewrittenJSON.divert(encoder, self) { return }
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(actionItems, forKey: .actionItems)
            try c.encode(items, forKey: .items)
            try c.encode(hasMore, forKey: .hasMore)
        }

        /// A task of the desktop's is about 700 bytes of JSON; the page holds its list twice.
        public var jsonCapacity: Int { 1600 * actionItems.count + 64 }

        public func writeJSON(into json: inout JSONBytes) {
            json.beginObject()
            json.key("action_items")
            let start = json.count
            json.array(actionItems) { $0.write(into: &$1) }
            let listed = start..<json.count
            json.key("items")
            if items == actionItems { json.repeatValue(listed) } else { json.array(items) { $0.write(into: &$1) } }
            json.key("has_more")
            json.bool(hasMore)
            json.endObject()
        }
    }
}

extension Wire.ActionItem {
    /// This task as JSON, with the keys and values of `encode(to:)`.
    func write(into json: inout JSONBytes) {
        json.beginObject()
        json.key("id"); json.string(id)
        json.key("description"); json.string(description)
        json.key("completed"); json.bool(completed)
        json.key("created_at"); json.date(createdAt)
        json.key("updated_at"); json.date(updatedAt)
        json.key("due_at"); json.date(dueAt)
        json.key("completed_at"); json.date(completedAt)
        json.key("conversation_id"); json.string(conversationId)
        json.key("source"); json.string(source)
        json.key("priority"); json.string(priority)
        json.key("metadata"); json.string(metadata)
        json.key("category"); json.string(category)
        json.key("relevance_score"); json.int(relevanceScore)
        json.key("sort_order"); json.int(sortOrder)
        json.key("indent_level"); json.int(Int64(indentLevel))
        json.key("goal_id"); json.string(goalId)
        json.key("from_staged"); json.bool(fromStaged)
        json.key("recurrence_rule"); json.string(recurrenceRule)
        json.key("recurrence_parent_id"); json.string(recurrenceParentId)
        json.key("deleted"); json.bool(deleted)
        json.key("deleted_by"); json.string(deletedBy)
        json.key("deleted_at"); json.date(deletedAt)
        json.key("deleted_reason"); json.string(deletedReason)
        json.key("kept_task_id"); json.string(keptTaskId)
        json.key("is_locked"); json.bool(false)
        json.key("exported"); json.bool(exported)
        json.key("export_date"); json.date(exportDate)
        json.key("export_platform"); json.string(exportPlatform)
        json.key("apple_reminder_id"); json.string(appleReminderId)
        json.endObject()
    }
}
