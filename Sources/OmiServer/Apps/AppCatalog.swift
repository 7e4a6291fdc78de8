import Crypto
import Foundation
import OmiContract

/// The read-only app catalogue (apps.md §4): the operator's file, or the built-in default when none is configured.
struct AppCatalog: Sendable {
    let apps: [CatalogApp]
    private let byId: [String: CatalogApp]
    /// SHA-256 of the file's bytes, logged so several instances can be checked to run the same catalogue.
    let digest: String?
    /// Entries' keys this server does not know, ignored with a warning.
    let warnings: [String]

    init(apps: [CatalogApp], digest: String? = nil, warnings: [String] = []) {
        self.apps = apps
        self.byId = Dictionary(apps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.digest = digest
        self.warnings = warnings
    }

    func app(_ id: String) -> CatalogApp? { byId[id] }

    /// Every listed app: the entries that are not disabled.
    var listed: [CatalogApp] { apps.filter { !$0.disabled } }

    /// Loads the file at `path`, or the default catalogue when `path` is nil; throws every problem at once.
    static func load(path: String?) throws -> AppCatalog {
        guard let path else { return .builtIn }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AppCatalogError(problems: ["apps catalog \(path): cannot be read"])
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        var parser = AppCatalogParser(path: path)
        return try parser.parse(data, digest: digest)
    }

    static let builtIn: AppCatalog = {
        func app(_ id: String, _ name: String, _ category: String, _ capabilities: [String], popular: Bool = false,
                 description: String, chat: String? = nil, memory: String? = nil) -> CatalogApp {
            var a = CatalogApp(id: id, name: name, capabilities: capabilities)
            a.category = category
            a.author = "Omi"
            a.description = description
            a.chatPrompt = chat
            a.memoryPrompt = memory
            a.isPopular = popular
            return a
        }
        return AppCatalog(apps: [
            app("meeting-notes", "Meeting Notes", "productivity-and-organization", ["memories"], popular: true,
                description: "Turns each conversation into clear meeting notes with decisions and next steps.",
                memory: "Write concise meeting notes for this conversation: the topic, the decisions made, and the "
                    + "next steps with their owners. Use short bullet points."),
            app("conversation-coach", "Conversation Coach", "communication-improvement", ["memories"],
                description: "Gives friendly feedback on how you communicated in each conversation.",
                memory: "Review how the user communicated in this conversation. Name one thing that went well and "
                    + "one concrete thing to try next time. Be kind and specific."),
            app("thinking-partner", "Thinking Partner", "productivity-and-organization", ["chat"],
                description: "A calm partner for thinking problems through, one question at a time.",
                chat: "You are a thoughtful thinking partner. Help the user reason through their problem by asking "
                    + "one clarifying question at a time and summarising what you have heard."),
            app("daily-reflection", "Daily Reflection", "emotional-and-mental-support", ["chat", "memories"],
                description: "Helps you reflect on your day and notices what mattered.",
                chat: "You help the user reflect on their day. Ask gentle, open questions about what went well, what "
                    + "was hard, and what they want to carry into tomorrow.",
                memory: "Note the moments of this conversation that seemed to matter to the user emotionally, in "
                    + "two or three sentences, without judgement."),
        ])
    }()
}

/// Every problem of a catalogue file, one line each, naming the file, the entry and the field.
struct AppCatalogError: Error, CustomStringConvertible {
    var problems: [String]
    var description: String { problems.joined(separator: "\n") }
}

/// Checks a catalogue file against apps.md §4.3 without starting the server, for the admin CLI: the problems, or a
/// summary of what would load.
public func validateAppsCatalog(path: String) -> Result<String, AppsCatalogInvalid> {
    do {
        let catalog = try AppCatalog.load(path: path)
        let lines = ["\(path): \(catalog.apps.count) apps, sha256 \(catalog.digest ?? "-")"] + catalog.warnings
        return .success(lines.joined(separator: "\n"))
    } catch let error as AppCatalogError {
        return .failure(AppsCatalogInvalid(description: error.description))
    } catch {
        return .failure(AppsCatalogInvalid(description: "apps catalog \(path): \(error)"))
    }
}

public struct AppsCatalogInvalid: Error, CustomStringConvertible {
    public let description: String
}
