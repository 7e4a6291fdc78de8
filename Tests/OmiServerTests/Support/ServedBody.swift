import Foundation
import OmiContract

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
