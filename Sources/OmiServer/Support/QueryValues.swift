/// Parsing of query-string values the way the Python backend reads them (conventions.md §6.7).
enum QueryValues {
    /// `true/false, 1/0, yes/no, on/off`, case-insensitively.
    static func bool(_ raw: String) -> Bool? {
        switch raw.lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off": false
        default: nil
        }
    }

    /// An app scope from a query or body: absent, empty or the literal `null` mean the main chat ("").
    static func appScope(_ raw: String?) -> String {
        guard let raw, !raw.isEmpty, raw != "null" else { return "" }
        return raw
    }
}
