import Foundation
import OmiContract
import OmiStorage

/// users.md §14: named speakers, get-or-create by exact name.
extension OmiAPI {
    static let personNotFound = APIError(.notFound, "Person not found")

    func listPeople(_ input: Operations.ListPeople.Input) async throws -> Operations.ListPeople.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        _ = v.bool(input.query.includeSpeechSamples, at: "include_speech_samples")
        try v.check()
        return .ok(.init(body: .json(try await people.list(uid: user.uid).map(AccountMapping.person))))
    }

    func createPerson(_ input: Operations.CreatePerson.Input) async throws -> Operations.CreatePerson.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.length(body.name, min: 2, max: 40, at: ["body", "name"])
        try v.check()
        let person = try await people.getOrCreate(uid: user.uid, name: body.name, newId: RandomUUID.lowercased(),
                                                  now: Clock.nowMicros())
        return .ok(.init(body: .json(AccountMapping.person(person))))
    }

    func getPerson(_ input: Operations.GetPerson.Input) async throws -> Operations.GetPerson.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        _ = v.bool(input.query.includeSpeechSamples, at: "include_speech_samples")
        try v.check()
        guard let person = try await people.get(uid: user.uid, id: input.path.personId) else { throw Self.personNotFound }
        return .ok(.init(body: .json(AccountMapping.person(person))))
    }

    func renamePerson(_ input: Operations.RenamePerson.Input) async throws -> Operations.RenamePerson.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        v.length(input.query.value, min: 2, max: 40, at: ["query", "value"])
        try v.check()
        guard try await people.rename(uid: user.uid, id: input.path.personId, name: input.query.value,
                                      now: Clock.nowMicros())
        else { throw Self.personNotFound }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    /// Idempotent: another user's id, or an unknown one, is also 204 and changes nothing.
    func deletePerson(_ input: Operations.DeletePerson.Input) async throws -> Operations.DeletePerson.Output {
        let user = try RequestValues.requireUser()
        try await people.delete(uid: user.uid, id: input.path.personId)
        return .noContent(.init())
    }
}
