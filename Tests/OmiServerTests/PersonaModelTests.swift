import Foundation
import Synchronization
import Testing
@testable import OmiServer

/// A model that answers from a script and keeps every prompt it was sent.
final class RecordingModel: LanguageModel {
    let answers: [String?]
    let prompts = Mutex<[(system: String, prompt: String)]>([])

    init(_ answers: [String?]) { self.answers = answers }

    func complete(system: String, prompt: String, maxTokens: Int) async throws -> String {
        let index = prompts.withLock { prompts -> Int in
            prompts.append((system, prompt))
            return prompts.count - 1
        }
        guard let answer = answers[min(index, answers.count - 1)] else { throw CancellationError() }
        return answer
    }

    var sent: [String] { prompts.withLock { $0.map(\.prompt) } }
}

@Suite("Persona generation with a language model (apps.md §8)")
struct PersonaModelTests {
    static func generate(_ h: TestHarness) async throws -> Reply {
        try await h.call(.post, "/v1/personas/generate-prompt", json: "{}")
    }

    @Test(arguments: TestEngine.available)
    func theModelsDescriptionAndPromptAreStoredAndOnlyPublicMemoriesAreSent(engine: TestEngine) async throws {
        let model = RecordingModel([#"""
            Here you go:
            ```json
            {"description": "Ann drinks green tea and runs marathons.", "persona_prompt": "You are Ann, a tea-loving runner."}
            ```
            """#])
        try await TestHarness.run(engine, languageModel: model) { h in
            _ = try await PersonaTests.create(h, #"{"name":"Ann"}"#)
            try await PersonaTests.memory(h, "Likes green tea", "public")
            try await PersonaTests.memory(h, "Runs marathons", "public")
            try await PersonaTests.memory(h, "Keeps a private diary", "private")
            try await PersonaTests.memory(h, "B's public fact", "public", as: "user-b")
            let r = try await Self.generate(h)
            #expect(r.status == 200)
            #expect(r.json["description"].string == "Ann drinks green tea and runs marathons.")
            #expect(r.json["persona_prompt"].string == "You are Ann, a tea-loving runner.")
            #expect(r.json["memories_used"].int == 2)
            let stored = try await PersonaTests.persona(h)
            #expect(stored["persona_prompt"] == r.json["persona_prompt"] && stored["description"] == r.json["description"])
            let sent = try #require(model.sent.last)
            #expect(sent.contains("Ann") && sent.contains("Likes green tea") && sent.contains("Runs marathons"))
            #expect(!sent.contains("private diary") && !sent.contains("B's public fact"))
        }
    }

    @Test(arguments: TestEngine.available)
    func aFailingOrIncompleteReplyFallsBackToTheTemplate(engine: TestEngine) async throws {
        let replies: [String?] = [nil, #"{"description": "only half"}"#, "I cannot help with that.",
                                  #"{"description": "  ", "persona_prompt": "p"}"#]
        for reply in replies {
            try await TestHarness.run(engine, languageModel: RecordingModel([reply])) { h in
                _ = try await PersonaTests.create(h, #"{"name":"Ann"}"#)
                try await PersonaTests.memory(h, "Likes green tea", "public")
                let r = try await Self.generate(h)
                #expect(r.status == 200 && r.json["description"].string == "AI clone of Ann", "\(reply ?? "failure")")
                let prompt = r.json["persona_prompt"].string ?? ""
                #expect(prompt.contains("Facts about Ann:") && prompt.contains("- Likes green tea"))
                #expect(r.json["memories_used"].int == 1)
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func longPartsAreCutAndCreationUsesTheModelToo(engine: TestEngine) async throws {
        let long = String(repeating: "é", count: 2_500)
        let model = RecordingModel([#"{"description": "\#(long)", "persona_prompt": "You are Bo."}"#])
        try await TestHarness.run(engine, languageModel: model) { h in
            try await PersonaTests.memory(h, "Plays the cello", "public")
            let created = try await PersonaTests.create(h, #"{"name":"Bo"}"#)
            #expect(created["persona_prompt"].string == "You are Bo.")
            #expect(created["description"].string?.unicodeScalars.count == 2_000)
        }
    }
}
