import Foundation

/// The checks of the contracts that decoding with the generated types does not make (conventions.md §6).
public enum ContractChecks {
    /// Parsed JSON of a body, or nil when it is not JSON. Top-level `null` parses as `NSNull`.
    public static func json(_ data: Data) -> Any? {
        try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// Every datetime string anywhere in the body carries a zone (`Z` or an offset); a naive one is a failure.
    public static func zonedDatetimes(_ value: Any?, at path: String = "$") -> [String] {
        switch value {
        case let text as String:
            guard text.range(of: #"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"#, options: .regularExpression) != nil else { return [] }
            return text.range(of: #"(Z|z|[+-]\d{2}:?\d{2})$"#, options: .regularExpression) == nil
                ? ["\(path) is a datetime without a zone: \(text)"] : []
        case let array as [Any]:
            return array.enumerated().flatMap { zonedDatetimes($0.element, at: "\(path)[\($0.offset)]") }
        case let object as [String: Any]:
            return object.sorted { $0.key < $1.key }.flatMap { zonedDatetimes($0.value, at: "\(path).\($0.key)") }
        default:
            return []
        }
    }

    /// Each key is present (a `null` value counts as present, an absent key does not).
    public static func keys(_ names: [String], in value: Any?) -> [String] {
        guard let object = value as? [String: Any] else { return ["the body is not a JSON object"] }
        return names.filter { object[$0] == nil }.map { "key \($0) is missing" }
    }

    /// `metadata` of each object in the list is a string holding JSON, or null, never an object.
    public static func metadataIsText(_ items: [Any]) -> [String] {
        items.enumerated().compactMap { index, item in
            guard let object = item as? [String: Any], let metadata = object["metadata"] else { return nil }
            if metadata is NSNull { return nil }
            guard let text = metadata as? String else { return "[\(index)].metadata is not a string" }
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil
                ? "[\(index)].metadata is not JSON text" : nil
        }
    }

    /// Two keys carrying the same value (the Python and Rust names of one field).
    public static func sameValue(_ a: String, _ b: String, in value: Any?) -> [String] {
        guard let object = value as? [String: Any], let x = object[a], let y = object[b] else {
            return ["keys \(a) and \(b) must both be present"]
        }
        return (x as? NSObject) == (y as? NSObject) ? [] : ["\(a) and \(b) differ"]
    }

    /// The body is the JSON literal `null` or an object, as for the top-level-null routes.
    public static func nullOrObject(_ value: Any?) -> [String] {
        value is NSNull || value is [String: Any] ? [] : ["the body must be null or an object"]
    }
}
