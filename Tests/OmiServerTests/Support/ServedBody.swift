import Foundation
import OmiContract
import Testing

/// How a body with a reader (`RequestBodyBytes`) reaches its handler, beside what `JSONDecoder` alone makes of it:
/// the two must agree, value or error, for every body.
struct ServedBody<T: Decodable & Equatable> {
    /// The reader's key, `"METHOD path"`.
    let operation: String

    /// What `JSONDecoder` alone makes of `bytes`.
    func decoded(_ json: String) -> Result<T, DecodingOutcomeError> { decoded(Array(json.utf8)) }

    func decoded(_ bytes: [UInt8]) -> Result<T, DecodingOutcomeError> {
        do { return .success(try JSONDecoder().decode(T.self, from: Data(bytes))) } catch {
            return .failure(DecodingOutcomeError(text: "\(error)"))
        }
    }

    /// What the handler gets, as the transport serves the route: the body read first when the reader takes it, and
    /// the generated code's `JSONDecoder` then given the placeholder; otherwise the body as it is.
    func served(_ json: String) -> Result<T, DecodingOutcomeError> { served(Array(json.utf8)) }

    func served(_ bytes: [UInt8]) -> Result<T, DecodingOutcomeError> {
        let reader = RequestBodyBytes.readers[operation]!
        guard let value = bytes.withUnsafeBytes(reader) else { return decoded(bytes) }
        return RequestBodyBytes.$value.withValue(value) { decoded(RequestBodyBytes.placeholder) }
    }

    /// Serves `rounds` seeded bodies from `body`, each with a few bytes changed (`mutated`), expecting for each the
    /// answer `JSONDecoder` gives; returns how many the decoder refused.
    func expectMutatedBodiesServedAsDecoded(seed: UInt64, rounds: Int = 10000,
                                            body: (inout SeededRandom) -> String) -> Int {
        var r = SeededRandom(seed: seed)
        var refused = 0
        for round in 0..<rounds {
            let bytes = Self.mutated(body(&r), &r)
            let reference = decoded(bytes)
            if case .failure = reference { refused += 1 }
            #expect(served(bytes) == reference,
                    "round \(round): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
        return refused
    }

    /// `body` with one to three bytes deleted, inserted or replaced, as bytes, so invalid UTF-8 is among them.
    static func mutated(_ body: String, _ r: inout SeededRandom) -> [UInt8] {
        var bytes = Array(body.utf8)
        for _ in 0..<Int.random(in: 1...3, using: &r) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &r)
            switch Int.random(in: 0..<3, using: &r) {
            case 0: bytes.remove(at: at)
            case 1: bytes.insert(mutationAlphabet.randomElement(using: &r)!, at: at)
            default: bytes[at] = mutationAlphabet.randomElement(using: &r)!
            }
        }
        return bytes
    }

    static var mutationAlphabet: [UInt8] {
        Array("{}[]\",:-.0123456789eEtrufalsn \\/\u{7f}".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xE2, 0xF0, 0xFF]
    }
}

/// A decoding error by its description, so two outcomes compare.
struct DecodingOutcomeError: Error, Equatable {
    let text: String
}
