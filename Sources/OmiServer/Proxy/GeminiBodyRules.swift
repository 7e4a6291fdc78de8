import Foundation
import OmiContract

/// The body checks and rewrites of platform.md §3.2, per action. Keys are handled in both spellings because the app
/// sends snake_case and the upstream accepts both.
enum GeminiBodyRules {
    typealias JSON = Wire.JSONValue

    static let maxOutputTokens: Int64 = 8192
    static let embeddingModelName = "models/gemini-embedding-001"

    /// The body to send upstream: nil when the client's bytes go unchanged.
    static func sanitise(_ bytes: Data, action: GeminiTarget.Action) throws(GeminiError) -> Data? {
        guard let parsed = try? JSONDecoder().decode(JSON.self, from: bytes), case .object(var body) = parsed else {
            throw .invalid("Request body must be a JSON object")
        }
        switch action {
        case .generateContent, .streamGenerateContent:
            try generation(&body)
        case .embedContent:
            guard case .object(let content)? = body["content"], case .array(let parts)? = content["parts"],
                  !parts.isEmpty else { throw .invalid("content.parts must be a non-empty array") }
            return nil
        case .batchEmbedContents:
            try batch(&body)
        }
        guard let data = try? JSONEncoder().encode(JSON.object(body)) else { throw .internalError }
        return data
    }

    static func generation(_ body: inout [String: JSON]) throws(GeminiError) {
        for key in ["safetySettings", "safety_settings", "cachedContent", "cached_content"] {
            body.removeValue(forKey: key)
        }
        if case .array(let contents)? = body["contents"] {
            var kept: [JSON] = []
            var systemParts: [JSON] = []
            for item in contents {
                guard case .object(var content) = item else { kept.append(item); continue }
                let role = content["role"]?.stringValue
                if role == "system" {
                    if case .array(let parts)? = content["parts"] { systemParts += parts }
                    continue
                }
                if role == nil { content["role"] = .string("user") }
                kept.append(.object(content))
            }
            body["contents"] = .array(kept)
            if !systemParts.isEmpty { mergeSystem(systemParts, into: &body) }
        }
        for key in ["candidateCount", "candidate_count"] where (body[key].flatMap(number) ?? 0) > 1 {
            throw .invalid("candidateCount must not be greater than 1")
        }
        for configKey in ["generationConfig", "generation_config"] {
            guard case .object(var config)? = body[configKey] else { continue }
            for key in ["candidateCount", "candidate_count"] where (config[key].flatMap(number) ?? 0) > 1 {
                throw .invalid("candidateCount must not be greater than 1")
            }
            for key in ["maxOutputTokens", "max_output_tokens"] {
                if let value = config[key].flatMap(number), value > Double(maxOutputTokens) {
                    config[key] = .int(maxOutputTokens)
                }
            }
            body[configKey] = .object(config)
        }
    }

    /// Appends moved system parts to the existing system instruction (either spelling), or creates one.
    static func mergeSystem(_ parts: [JSON], into body: inout [String: JSON]) {
        let key = body["systemInstruction"] != nil ? "systemInstruction"
            : body["system_instruction"] != nil ? "system_instruction" : "systemInstruction"
        switch body[key] {
        case .object(var instruction)?:
            if case .array(let existing)? = instruction["parts"] {
                instruction["parts"] = .array(existing + parts)
            } else {
                instruction["parts"] = .array(parts)
            }
            body[key] = .object(instruction)
        case .string(let text)?:
            body[key] = .object(["parts": .array([.object(["text": .string(text)])] + parts)])
        default:
            body[key] = .object(["parts": .array(parts)])
        }
    }

    static func batch(_ body: inout [String: JSON]) throws(GeminiError) {
        guard case .array(let requests)? = body["requests"], (1...100).contains(requests.count) else {
            throw .invalid("requests must be an array of 1 to 100 items")
        }
        var rewritten: [JSON] = []
        for request in requests {
            guard case .object(var item) = request else { throw .invalid("each item of requests must be a JSON object") }
            switch item["model"] {
            case nil, .null?:
                item["model"] = .string(embeddingModelName)
            case .string(let model)? where model == embeddingModelName || model == "gemini-embedding-001":
                item["model"] = .string(embeddingModelName)
            default:
                throw .invalid("every item of requests must use the model \(embeddingModelName)")
            }
            rewritten.append(.object(item))
        }
        body["requests"] = .array(rewritten)
    }

    /// Integers, integral floats and numeric strings; anything else is not a number here.
    static func number(_ value: JSON) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }
}

extension Wire.JSONValue {
    fileprivate var stringValue: String? { if case .string(let s) = self { s } else { nil } }
}
