import Foundation
import NIOCore
import OmiContract

/// Names the field of a date-time that did not parse (`InvalidDateTime`), as FastAPI would: the runtime's date
/// decoding sees the text alone, so the text is looked for in the query, which is decoded first, then in the body.
/// Without it the failure read as malformed JSON at offset 0.
enum DateFieldLocator {
    static func error(for invalid: InvalidDateTime, body: ByteBuffer, query: String?) -> ValidationError {
        ValidationError([.init(type: "datetime_from_date_parsing", loc: location(of: invalid.text, body: body, query: query),
                               msg: "Input should be a valid datetime", input: Validator.echo(invalid.text), ctx: nil)])
    }

    static func location(of text: String, body: ByteBuffer, query: String?) -> [ValidationError.LocationPart] {
        let items = query.flatMap { URLComponents(string: "?" + $0)?.queryItems } ?? []
        if let item = items.first(where: { $0.value == text }) { return ["query", .key(item.name)] }
        if let json = Wire.JSONValue(jsonText: String(buffer: body)), let path = path(of: text, in: json) {
            return ["body"] + path
        }
        return ["body"]
    }

    /// The first place `text` is a string value, keys taken in order so the answer does not vary between runs.
    static func path(of text: String, in value: Wire.JSONValue) -> [ValidationError.LocationPart]? {
        switch value {
        case .string(let found):
            return found == text ? [] : nil
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let rest = path(of: text, in: element) { return [.index(index)] + rest }
            }
            return nil
        case .object(let members):
            for key in members.keys.sorted() {
                if let rest = path(of: text, in: members[key]!) { return [.key(key)] + rest }
            }
            return nil
        default:
            return nil
        }
    }
}
