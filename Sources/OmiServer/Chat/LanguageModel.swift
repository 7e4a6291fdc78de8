import Foundation
import OmiStorage

/// The seam every language-model feature goes through. The model-backed implementation (an OpenAI-compatible or
/// Anthropic upstream) arrives with the language-model issue; until one is configured every feature uses its
/// deterministic fallback and still answers 200 (chat.md §4).
public protocol LanguageModel: Sendable {
    /// One short completion; throws or returns "" when the upstream fails, and the caller falls back.
    func complete(system: String, prompt: String, maxTokens: Int) async throws -> String
}

/// Greeting and title generation (chat.md §4): model output when it is usable, the fallbacks otherwise.
struct ChatTextGenerator: Sendable {
    let model: (any LanguageModel)?

    static let fallbackGreeting = "Hello! I'm here to help. What's on your mind?"

    func greeting(context: String) async -> String {
        guard let model else { return Self.fallbackGreeting }
        let system = "Greet the user in one or two friendly sentences that invite them to talk, drawing on what is "
            + "known about them (speaking as the app persona when one is given); answer with the greeting only."
        let text = (try? await model.complete(system: system, prompt: context, maxTokens: 200))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty || text.unicodeScalars.count > 500 ? Self.fallbackGreeting : text
    }

    /// `lines` are `sender: text` lines, the first one the user's.
    func title(lines: [(sender: String, text: String)]) async -> String {
        if let model {
            let system = "Summarise this conversation as a title of six words or fewer; answer with the bare title text."
            let prompt = lines.prefix(10).map { "\($0.sender): \($0.text)" }.joined(separator: "\n")
            if let raw = try? await model.complete(system: system, prompt: prompt, maxTokens: 40),
               let title = Self.cleanModelTitle(raw) {
                return title
            }
        }
        return Self.fallbackTitle(lines: lines)
    }

    /// Trim, strip surrounding quotes, collapse whitespace, cap at 120 characters; nil when nothing is left.
    static func cleanModelTitle(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        text = String(text.drop(while: { $0 == "\"" || $0 == "'" }))
        while let last = text.last, last == "\"" || last == "'" { text.removeLast() }
        text = collapseWhitespace(text)
        guard !text.isEmpty else { return nil }
        if text.unicodeScalars.count > 120 { text = prefix(text, 117) + "..." }
        return text
    }

    /// The first human message (else the first), its first six words, stripped of quotes and punctuation at the
    /// ends, at most 50 characters; "New Chat" when nothing is left.
    static func fallbackTitle(lines: [(sender: String, text: String)]) -> String {
        guard let source = lines.first(where: { $0.sender == "human" }) ?? lines.first else { return "New Chat" }
        let words = collapseWhitespace(source.text).split(separator: " ").prefix(6).joined(separator: " ")
        let strip = CharacterSet(charactersIn: "\"'.,!?;:")
        var title = words.trimmingCharacters(in: strip)
        if title.unicodeScalars.count > 50 { title = prefix(title, 47) + "..." }
        return title.isEmpty ? "New Chat" : title
    }

    static func collapseWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
    }

    static func prefix(_ text: String, _ scalars: Int) -> String {
        text.prefix(scalars: scalars)
    }
}

