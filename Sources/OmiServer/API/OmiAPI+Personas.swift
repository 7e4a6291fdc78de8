import Foundation
import OmiContract
import OmiStorage

/// apps.md §7.14–§7.19: the caller's one persona, JSON in and out.
extension OmiAPI {
    static let noPersona = APIError(.notFound, "No persona found")

    /// Public memories, newest first, at most 250 (apps.md §8).
    func publicMemories(uid: String) async throws -> [MemoryRecord] {
        var filter = MemoryFilter()
        filter.visibility = "public"
        filter.includeDismissed = true
        let all = try await Self.everyPage { try await memories.list(uid: uid, filter: filter, limit: $0, offset: $1) }
        return Array(all.sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id < $1.id }
            .prefix(PersonaPrompt.maxMemories))
    }

    func wirePersona(_ p: PersonaRecord) async throws -> Wire.Persona {
        Wire.Persona(id: p.id, uid: p.uid, name: p.name, username: p.username, description: p.description,
                     image: p.image, personaPrompt: p.personaPrompt, approved: p.approved, status: p.status,
                     private: p.isPrivate, author: p.author, email: p.email,
                     createdAt: Timestamp.date(micros: p.createdAt), updatedAt: Timestamp.date(micros: p.updatedAt),
                     publicMemoriesCount: try await publicMemories(uid: p.uid).count)
    }

    func getPersona(_ input: Operations.GetPersona.Input) async throws -> Operations.GetPersona.Output {
        let user = try RequestValues.requireUser()
        let persona = try await apps.persona(uid: user.uid)
        return .ok(.init(body: .json(Wire.OptionalPersona(try await persona.asyncMap(wirePersona)))))
    }

    func createPersona(_ input: Operations.CreatePersona.Input) async throws -> Operations.CreatePersona.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let username = body.username.flatMap { $0.isEmpty ? nil : $0 }
        var v = Validator()
        v.length(name, min: 1, max: 100, at: ["body", "name"])
        v.pattern(username, AppVocabulary.isUsername, description: "^[a-z0-9_]{3,30}$", at: ["body", "username"])
        try v.check()
        let memories = try await publicMemories(uid: user.uid)
        var persona = PersonaRecord(
            id: ULID.make(), uid: user.uid, name: name, username: username,
            description: "AI clone of \(name). Add public memories to enhance the persona.", personaPrompt: nil,
            author: name, email: user.email, createdAt: Clock.nowMicros())
        if !memories.isEmpty {
            let generated = await PersonaGenerator(model: text.model).generate(name: name, memories: memories)
            persona.description = generated.description
            persona.personaPrompt = generated.prompt
        }
        let reserved = Set(catalog.apps.compactMap(\.username))
        do {
            persona = try await apps.createPersona(persona, reservedUsernames: reserved)
        } catch PersonaStoreError.alreadyHasPersona {
            throw APIError(.conflict, "User already has a persona. Delete the existing one first.")
        } catch PersonaStoreError.usernameTaken {
            throw APIError(.conflict, "Username is already taken.")
        }
        return .ok(.init(body: .json(try await wirePersona(persona))))
    }

    func updatePersona(_ input: Operations.UpdatePersona.Input) async throws -> Operations.UpdatePersona.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let name = body.name?.trimmingCharacters(in: .whitespacesAndNewlines)
        var v = Validator()
        v.length(name, min: 1, max: 100, at: ["body", "name"])
        v.length(body.description, max: 2000, at: ["body", "description"])
        v.length(body.personaPrompt, max: 50_000, at: ["body", "persona_prompt"])
        v.length(body.image, max: 2048, at: ["body", "image"])
        try v.check()
        guard var persona = try await apps.persona(uid: user.uid) else { throw Self.noPersona }
        let before = persona
        persona.name = name ?? persona.name
        persona.description = body.description ?? persona.description
        persona.personaPrompt = body.personaPrompt ?? persona.personaPrompt
        persona.image = body.image ?? persona.image
        if persona != before {
            persona.updatedAt = max(Clock.nowMicros(), before.updatedAt + 1)
            try await apps.updatePersona(persona)
        }
        return .ok(.init(body: .json(try await wirePersona(persona))))
    }

    func deletePersona(_ input: Operations.DeletePersona.Input) async throws -> Operations.DeletePersona.Output {
        let user = try RequestValues.requireUser()
        guard try await apps.deletePersona(uid: user.uid) else { throw Self.noPersona }
        return .ok(.init(body: .json(.init(status: "ok", message: "Persona deleted successfully"))))
    }

    func generatePersonaPrompt(_ input: Operations.GeneratePersonaPrompt.Input) async throws
        -> Operations.GeneratePersonaPrompt.Output {
        let user = try RequestValues.requireUser()
        guard var persona = try await apps.persona(uid: user.uid) else { throw Self.noPersona }
        let memories = try await publicMemories(uid: user.uid)
        if memories.isEmpty { throw APIError.badRequest("No public memories found. Make some memories public first.") }
        let generated = await PersonaGenerator(model: text.model).generate(name: persona.name, memories: memories)
        persona.description = generated.description
        persona.personaPrompt = generated.prompt
        persona.updatedAt = max(Clock.nowMicros(), persona.updatedAt + 1)
        try await apps.updatePersona(persona)
        return .ok(.init(body: .json(.init(personaPrompt: generated.prompt, description: generated.description,
                                           memoriesUsed: generated.memoriesUsed))))
    }

    func checkPersonaUsername(_ input: Operations.CheckPersonaUsername.Input) async throws
        -> Operations.CheckPersonaUsername.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(try await usernameAvailability(input.query.username))))
    }

    func checkAppUsername(_ input: Operations.CheckAppUsername.Input) async throws -> Operations.CheckAppUsername.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(try await usernameAvailability(input.query.username))))
    }

    func usernameAvailability(_ username: String) async throws -> Components.Schemas.UsernameAvailable {
        guard AppVocabulary.isUsername(username) else { return .init(available: false, username: username, isTaken: false) }
        let held = try await apps.usernameInUse(username)
        let taken = held || catalog.apps.contains { $0.username == username }
        return .init(available: !taken, username: username, isTaken: taken)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
