import Foundation
import OmiContract
import OmiStorage

/// Conversions between the stored task records and their wire shapes (tasks.md §0.4, §0.5).
enum TaskMapping {
    static func actionItem(_ r: ActionItemRecord) -> Wire.ActionItem {
        var item = Wire.ActionItem(id: r.id, description: r.description, createdAt: date(r.createdAt),
                                   updatedAt: date(r.updatedAt))
        item.completed = r.completed
        item.dueAt = r.dueAt.map(date)
        item.completedAt = r.completedAt.map(date)
        item.conversationId = r.conversationId
        item.source = r.source
        item.priority = r.priority
        item.metadata = r.metadata
        item.category = r.category
        item.relevanceScore = r.relevanceScore
        item.sortOrder = r.sortOrder
        item.indentLevel = r.indentLevel
        item.goalId = r.goalId
        item.fromStaged = r.fromStaged
        item.recurrenceRule = r.recurrenceRule
        item.recurrenceParentId = r.recurrenceParentId
        item.deleted = r.deleted
        item.deletedBy = r.deletedBy
        item.deletedAt = r.deletedAt.map(date)
        item.deletedReason = r.deletedReason
        item.keptTaskId = r.keptTaskId
        item.exported = r.exported
        item.exportDate = r.exportDate.map(date)
        item.exportPlatform = r.exportPlatform
        item.appleReminderId = r.appleReminderId
        return item
    }

    static func stagedTask(_ r: StagedTaskRecord) -> Wire.StagedTask {
        Wire.StagedTask(id: r.id, description: r.description, createdAt: date(r.createdAt), updatedAt: date(r.updatedAt),
                        dueAt: r.dueAt.map(date), source: r.source, priority: r.priority, metadata: r.metadata,
                        category: r.category, relevanceScore: r.relevanceScore)
    }

    static func date(_ micros: Int64) -> Date { Timestamp.date(micros: micros) }
    static func micros(_ date: Date) -> Int64 { Timestamp.micros(date) }

    /// A new task from a create body (tasks.md §1.2); the body must have passed `validate(create:)`.
    static func record(from body: Components.Schemas.CreateActionItemRequest, now: Int64) -> ActionItemRecord {
        var r = ActionItemRecord(description: body.description, createdAt: now)
        if body.completed == true {
            r.completed = true
            r.completedAt = now
        }
        r.dueAt = body.dueAt.map(micros)
        r.conversationId = body.conversationId
        r.source = body.source
        r.priority = body.priority
        r.category = body.category
        r.metadata = metadataText(body.metadata)
        r.relevanceScore = body.relevanceScore
        r.recurrenceRule = body.recurrenceRule
        r.recurrenceParentId = body.recurrenceParentId
        r.goalId = body.goalId
        r.sortOrder = body.sortOrder ?? 0
        r.indentLevel = body.indentLevel ?? 0
        return r
    }

    /// `metadata` is stored as JSON text: a string as sent, an object or array as its compact JSON text.
    static func metadataText(_ value: Wire.JSONValue?) -> String? {
        switch value {
        case nil, .null?: nil
        case .string(let text)?: text
        case let other?: other.jsonText
        }
    }
}

/// The field rules of tasks.md §1.2 and §2.1 that the generated decoders do not check.
extension Validator {
    mutating func taskDescription(_ value: String?, at loc: [ValidationError.LocationPart]) {
        guard let value else { return }
        let before = items.count
        length(value, min: 1, max: 5000, at: loc)
        if items.count == before, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            fail("value_error", "Value error, description must not be blank", at: loc, input: Validator.echo(value))
        }
    }

    mutating func taskLabels(source: String?, priority: String?, category: String?, at loc: [ValidationError.LocationPart]) {
        length(source, max: 200, at: loc + ["source"])
        length(priority, max: 200, at: loc + ["priority"])
        length(category, max: 200, at: loc + ["category"])
    }

    mutating func taskMetadata(_ value: Wire.JSONValue?, at loc: [ValidationError.LocationPart]) {
        switch value {
        case nil, .null?, .object?, .array?: break
        case .string?: break
        default:
            fail("string_type", "Input should be a valid string, object or array", at: loc)
            return
        }
        length(TaskMapping.metadataText(value), max: 65536, at: loc)
    }

    mutating func relevanceScore(_ value: Int64?, at loc: [ValidationError.LocationPart]) {
        range(value, 0...2_147_483_647, at: loc)
    }

    mutating func validate(create body: Components.Schemas.CreateActionItemRequest, at loc: [ValidationError.LocationPart]) {
        taskDescription(body.description, at: loc + ["description"])
        taskLabels(source: body.source, priority: body.priority, category: body.category, at: loc)
        taskMetadata(body.metadata, at: loc + ["metadata"])
        relevanceScore(body.relevanceScore, at: loc + ["relevance_score"])
        range(body.indentLevel, 0...3, at: loc + ["indent_level"])
    }

    /// A query boolean as tasks.md §0.2 accepts it: `true`/`false`, `1`/`0`.
    mutating func strictBool(_ raw: String?, at name: String) -> Bool? {
        guard let raw else { return nil }
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            fail("bool_parsing", "Input should be a valid boolean, unable to interpret input", at: ["query", .key(name)],
                 input: Validator.echo(raw))
            return nil
        }
    }

    /// A query datetime (tasks.md §0.2). The desktop does not percent-encode, so a `+` offset arrives as a space.
    mutating func queryInstant(_ raw: String?, at name: String) -> Int64? {
        guard let raw else { return nil }
        if let micros = TaskQueryDates.parse(raw) { return micros }
        fail("datetime_parsing", "Input should be a valid datetime", at: ["query", .key(name)], input: Validator.echo(raw))
        return nil
    }
}

enum TaskQueryDates {
    /// An ISO-8601 date-time with or without an offset; a space where the offset's `+` belongs is read as `+`.
    static func parse(_ raw: String) -> Int64? {
        Timestamp.parseMicros(raw) ?? Timestamp.parseMicros(repaired(raw))
    }

    /// The text with a space after the time read as the `+` of an offset.
    static func repaired(_ raw: String) -> String {
        guard let t = raw.firstIndex(where: { $0 == "T" || $0 == "t" }),
              let space = raw[t...].lastIndex(of: " ") else { return raw }
        var repaired = raw
        repaired.replaceSubrange(space...space, with: "+")
        return repaired
    }

    /// Whether an instant's text names its zone (`Z` or an offset), as the agent tools require (tasks.md §4).
    static func hasZone(_ raw: String) -> Bool {
        let text = repaired(raw)
        guard let t = text.firstIndex(where: { $0 == "T" || $0 == "t" || $0 == " " }) else { return false }
        let time = text[text.index(after: t)...]
        return time.hasSuffix("Z") || time.hasSuffix("z") || time.contains("+") || time.contains("-")
    }
}
