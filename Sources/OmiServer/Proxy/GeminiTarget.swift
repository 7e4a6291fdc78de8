import Foundation

/// What a Gemini proxy path asks for: `models/{model}:{action}` after aliases, checked against the allowlists
/// (platform.md §3.2).
struct GeminiTarget: Sendable, Equatable {
    enum Action: String, Sendable {
        case generateContent, streamGenerateContent, embedContent, batchEmbedContents

        var isGeneration: Bool { self == .generateContent || self == .streamGenerateContent }
        var isStreaming: Bool { self == .streamGenerateContent }
    }

    var model: String
    var action: Action

    static let generationModels: Set<String> = ["gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro"]
    static let embeddingModels: Set<String> = ["gemini-embedding-001"]
    /// Old builds hard-code these names.
    static let aliases = ["gemini-3-flash-preview": "gemini-2.5-flash", "gemini-pro-latest": "gemini-2.5-pro"]
    static let proModel = "gemini-2.5-pro"
    static let downgradedModel = "gemini-2.5-flash"

    /// Parses the path after the route prefix. The colon may arrive percent-encoded, so the remainder is decoded
    /// first and split on its last `:`; `:` is never treated as route parameter syntax.
    static func parse(_ remainder: String, streamRoute: Bool) throws(GeminiError) -> GeminiTarget {
        let decoded = remainder.removingPercentEncoding ?? remainder
        guard decoded.hasPrefix("models/") else { throw .notAllowed }
        let rest = decoded.dropFirst("models/".count)
        guard let colon = rest.lastIndex(of: ":") else { throw .notAllowed }
        let name = String(rest[..<colon])
        guard let action = Action(rawValue: String(rest[rest.index(after: colon)...])) else { throw .notAllowed }
        if streamRoute && action != .streamGenerateContent { throw .notAllowed }
        let model = aliases[name] ?? name
        let allowed = action.isGeneration ? generationModels : embeddingModels
        guard allowed.contains(model) else { throw .notAllowed }
        return GeminiTarget(model: model, action: action)
    }

    /// The query forwarded upstream: only `alt=sse|json`. A credential parameter, in any case, is refused rather than
    /// dropped, so a client that leaks its key in the URL finds out; anything else is dropped.
    static func forwardedQuery(_ raw: String, streamRoute: Bool) throws(GeminiError) -> String? {
        var alt: String?
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0]).lowercased()
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if ["key", "access_token", "oauth_token"].contains(name) { throw .credentialQuery }
            if name == "alt", value == "sse" || value == "json", alt == nil { alt = value }
        }
        if alt == nil && streamRoute { alt = "sse" }
        return alt.map { "alt=\($0)" }
    }

    static func decode(_ part: Substring) -> String {
        let plus = part.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }
}
