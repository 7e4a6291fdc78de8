import OmiContract

/// The section-wise merge of users.md §9.3, with the field types and bounds of §9.1.
enum AssistantSettingsMerge {
    enum Field {
        case int, bool, strings
        case number(ClosedRange<Double>?)
        case text(max: Int)
    }

    static let extraction: [String: Field] = [
        "enabled": .bool, "analysis_prompt": .text(max: 10_000), "extraction_interval": .number(nil),
        "min_confidence": .number(0...1), "notifications_enabled": .bool, "excluded_apps": .strings,
    ]

    static let sections: [String: [String: Field]] = [
        "shared": ["cooldown_interval": .int, "glow_overlay_enabled": .bool, "analysis_delay": .int,
                   "screen_analysis_enabled": .bool],
        "focus": ["enabled": .bool, "analysis_prompt": .text(max: 10_000), "cooldown_interval": .int,
                  "notifications_enabled": .bool, "excluded_apps": .strings],
        "task": extraction.filter { $0.key != "excluded_apps" }.merging(
            ["allowed_apps": .strings, "browser_keywords": .strings]) { a, _ in a },
        "advice": extraction,
        "memory": extraction,
        // `elevenlabs_api_key`, which some builds send, is not listed: the server keeps no third-party secrets.
        "floating_bar": ["voice_answers_enabled": .bool, "elevenlabs_voice_id": .text(max: 200)],
    ]

    struct Result {
        var sections: [String: Wire.JSONValue]
        /// nil: leave the stored channel unchanged.
        var updateChannel: String?
    }

    /// Validates the whole body first, so a 422 writes nothing, then merges it into the stored sections.
    static func merge(_ body: Wire.JSONValue, into stored: [String: Wire.JSONValue]) throws -> Result {
        guard case .object(let patch) = body else {
            throw ValidationError([.init(type: "dict_type", loc: ["body"], msg: "Input should be a valid dictionary",
                                         input: nil, ctx: nil)])
        }
        var v = Validator()
        var result = Result(sections: stored)
        switch patch["update_channel"] {
        case nil, .null?: break
        case .string(let channel)?:
            v.length(channel, max: 50, at: ["body", "update_channel"])
            result.updateChannel = channel
        case _?:
            v.fail("string_type", "Input should be a valid string", at: ["body", "update_channel"])
        }
        for (name, fields) in sections.sorted(by: { $0.key < $1.key }) {
            switch patch[name] {
            case nil:
                continue
            case .null?:
                result.sections[name] = nil
            case .object(let sent)?:
                guard case .object(var section) = stored[name] ?? .object([:]) else { continue }
                for (field, kind) in fields.sorted(by: { $0.key < $1.key }) {
                    guard let value = sent[field] else { continue }
                    if value == .null { section[field] = nil; continue }
                    if let accepted = check(value, kind, at: ["body", .key(name), .key(field)], &v) {
                        section[field] = accepted
                    }
                }
                result.sections[name] = .object(section)
            case _?:
                v.fail("dict_type", "Input should be a valid dictionary", at: ["body", .key(name)])
            }
        }
        try v.check()
        return result
    }

    /// The value to store, or nil after recording why it is refused.
    static func check(_ value: Wire.JSONValue, _ kind: Field, at loc: [ValidationError.LocationPart],
                      _ v: inout Validator) -> Wire.JSONValue? {
        switch (kind, value) {
        case (.bool, .bool):
            return value
        case (.int, .int):
            return value
        case (.int, .double(let d)) where d.rounded() == d && abs(d) < 9e15:
            // `10.0` is an integer; it is stored and answered as `10`.
            return .int(Int64(d))
        case (.int, .double):
            v.fail("int_from_float", "Input should be a valid integer, got a number with a fractional part", at: loc)
        case (.number(let bounds), .int(let i)):
            return inBounds(Double(i), bounds, loc, &v) ? value : nil
        case (.number(let bounds), .double(let d)):
            return inBounds(d, bounds, loc, &v) ? value : nil
        case (.text(let max), .string(let s)):
            let before = v.items.count
            v.length(s, max: max, at: loc)
            return v.items.count == before ? value : nil
        case (.strings, .array(let items)):
            for (index, item) in items.enumerated() {
                guard case .string = item else {
                    v.fail("string_type", "Input should be a valid string", at: loc + [.index(index)])
                    return nil
                }
            }
            return value
        case (.bool, _):
            v.fail("bool_type", "Input should be a valid boolean", at: loc)
        case (.int, _):
            v.fail("int_type", "Input should be a valid integer", at: loc)
        case (.number, _):
            v.fail("float_type", "Input should be a valid number", at: loc)
        case (.text, _):
            v.fail("string_type", "Input should be a valid string", at: loc)
        case (.strings, _):
            v.fail("list_type", "Input should be a valid list", at: loc)
        }
        return nil
    }

    static func inBounds(_ value: Double, _ bounds: ClosedRange<Double>?, _ loc: [ValidationError.LocationPart],
                         _ v: inout Validator) -> Bool {
        guard let bounds else { return true }
        if value < bounds.lowerBound {
            v.fail("greater_than_equal", "Input should be greater than or equal to \(bounds.lowerBound)", at: loc)
            return false
        }
        if value > bounds.upperBound {
            v.fail("less_than_equal", "Input should be less than or equal to \(bounds.upperBound)", at: loc)
            return false
        }
        return true
    }
}
