/// Collects schema violations the generated decoders do not check (lengths, bounds, patterns) into one 422.
/// A location is built only for a violation: a screen sync checks every one of its rows.
struct Validator {
    typealias Location = [ValidationError.LocationPart]

    private(set) var items: [ValidationError.Item] = []

    /// Length in Unicode code points, the contract's unit for "characters".
    mutating func length(_ value: String?, min: Int = 0, max: Int, at loc: @autoclosure () -> Location) {
        guard let value else { return }
        let count = value.unicodeScalars.count
        if count < min {
            items.append(.init(type: "string_too_short", loc: loc(),
                               msg: "String should have at least \(min) character\(min == 1 ? "" : "s")",
                               input: Self.echo(value), ctx: ["min_length": .int(Int64(min))]))
        } else if count > max {
            items.append(.init(type: "string_too_long", loc: loc(), msg: "String should have at most \(max) characters",
                               input: nil, ctx: ["max_length": .int(Int64(max))]))
        }
    }

    mutating func range<T: BinaryInteger>(_ value: T?, _ bounds: ClosedRange<T>, at loc: @autoclosure () -> Location) {
        guard let value else { return }
        if value < bounds.lowerBound {
            items.append(.init(type: "greater_than_equal", loc: loc(),
                               msg: "Input should be greater than or equal to \(bounds.lowerBound)",
                               input: .int(Int64(value)), ctx: ["ge": .int(Int64(bounds.lowerBound))]))
        } else if value > bounds.upperBound {
            items.append(.init(type: "less_than_equal", loc: loc(),
                               msg: "Input should be less than or equal to \(bounds.upperBound)",
                               input: .int(Int64(value)), ctx: ["le": .int(Int64(bounds.upperBound))]))
        }
    }

    mutating func count<C: Collection>(_ value: C?, max: Int, at loc: @autoclosure () -> Location) {
        guard let value, value.count > max else { return }
        items.append(.init(type: "too_long", loc: loc(), msg: "List should have at most \(max) items",
                           input: nil, ctx: ["max_length": .int(Int64(max))]))
    }

    mutating func pattern(_ value: String?, _ matches: (String) -> Bool, description: String,
                          at loc: @autoclosure () -> Location) {
        guard let value, !matches(value) else { return }
        items.append(.init(type: "string_pattern_mismatch", loc: loc(),
                           msg: "String should match pattern '\(description)'", input: Self.echo(value),
                           ctx: ["pattern": .string(description)]))
    }

    mutating func oneOf(_ value: String?, _ allowed: [String], at loc: @autoclosure () -> Location) {
        guard let value, !allowed.contains(value) else { return }
        let list = allowed.map { "'\($0)'" }.joined(separator: " or ")
        items.append(.init(type: "literal_error", loc: loc(), msg: "Input should be \(list)", input: Self.echo(value),
                           ctx: ["expected": .string(list)]))
    }

    mutating func fail(_ type: String, _ msg: String, at loc: @autoclosure () -> Location,
                       input: ValidationError.InputValue? = nil) {
        items.append(.init(type: type, loc: loc(), msg: msg, input: input, ctx: nil))
    }

    /// Optional query boolean in any accepted spelling.
    mutating func bool(_ raw: String?, at name: String) -> Bool? {
        guard let raw else { return nil }
        if let value = QueryValues.bool(raw) { return value }
        fail("bool_parsing", "Input should be a valid boolean, unable to interpret input", at: ["query", .key(name)],
             input: Self.echo(raw))
        return nil
    }

    func check() throws {
        if !items.isEmpty { throw ValidationError(items) }
    }

    /// Short inputs are echoed as FastAPI does; long ones (message text) are not sent back.
    static func echo(_ value: String) -> ValidationError.InputValue? {
        value.utf8.count <= 64 ? .string(value) : nil
    }
}
