import Foundation

/// Text as the search index sees it (knowledge.md §9): folded for case and diacritics by the server, split into
/// terms on anything that is not a letter or digit, so SQLite and PostgreSQL index and query the same tokens and no
/// user input ever reaches a query syntax.
public enum SearchText {
    public static func terms(_ text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        var terms: [String] = []
        var current = ""
        for character in folded {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                terms.append(current)
                current = ""
            }
        }
        if !current.isEmpty { terms.append(current) }
        return terms
    }

    /// The indexed form of a text: its terms joined by single spaces.
    public static func indexed(_ text: String) -> String { terms(text).joined(separator: " ") }

    /// An FTS5 MATCH expression: every term quoted, the last one a prefix, all required.
    static func ftsQuery(_ terms: [String]) -> String {
        terms.enumerated().map { index, term in
            "\"" + term.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (index == terms.count - 1 ? "*" : "")
        }.joined(separator: " ")
    }

    /// A `to_tsquery('simple', ...)` text: every term quoted as a lexeme, the last one a prefix, joined with `&`.
    static func tsQuery(_ terms: [String]) -> String {
        terms.enumerated().map { index, term in
            "'" + term.replacingOccurrences(of: "'", with: "''").replacingOccurrences(of: "\\", with: "\\\\") + "'"
                + (index == terms.count - 1 ? ":*" : "")
        }.joined(separator: " & ")
    }
}
