import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import OpenAPIRuntime

/// platform.md §3.4: text to speech through OpenAI, on the user's own key or, within limits, on the server's.
extension OmiAPI {
    static let speechMaxCharacters = 4096
    static let speechBurstLimit: Int64 = 50
    static let speechDailyCharacters: Int64 = 10_000
    static let microsPerDay: Int64 = 86_400_000_000

    var speechSynthesizer: SpeechSynthesizer { SpeechSynthesizer(apiBase: settings.openAIAPIBase, timings: settings.speechTimings) }

    func synthesizeSpeech(_ input: Operations.SynthesizeSpeech.Input) async throws -> Operations.SynthesizeSpeech.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }

        // 1. The body. Missing keys and wrong types were refused as 422 by the generated decoder.
        let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw APIError.badRequest("text is required") }
        if text.unicodeScalars.count > Self.speechMaxCharacters { throw APIError.badRequest("text is too long") }
        var voice = body.voiceId.trimmingCharacters(in: .whitespacesAndNewlines)
        if !SpeechVoices.supported.contains(voice) {
            // Older builds send another provider's voice ids with these fields; they get a voice rather than silence.
            let olderBody = body.modelId != nil || body.outputFormat != nil || body.voiceSettings != nil
            guard olderBody else { throw APIError.badRequest("voice_id is not supported") }
            voice = settings.ttsFallbackVoice
        }
        let instructions = body.instructions?.trimmingCharacters(in: .whitespacesAndNewlines)
        var v = Validator()
        v.length(instructions, max: Self.speechMaxCharacters, at: ["body", "instructions"])
        try v.check()

        // 2. The key. The auth middleware already refused a mismatched X-BYOK-OpenAI with 403; a key in
        // RequestValues.byok matched the enrolment of an actively enrolled user.
        let key: String
        if let userKey = RequestValues.byok.keys["openai"] {
            key = userKey
        } else {
            // 3. Entitlement, 4. configuration, 5. limits: the server pays, so all three apply.
            let now = Clock.nowMicros()
            guard try await entitlements.isEntitled(user: user, now: now) else {
                throw APIError(.forbidden, "A paid subscription is required")
            }
            guard let serverKey = settings.openAIAPIKey else { throw APIError(.serviceUnavailable, "TTS is not configured") }
            try await admitSpeech(uid: user.uid, characters: Int64(text.unicodeScalars.count), now: now)
            key = serverKey
        }

        // 6. Synthesis. Admitted characters stay counted whatever the provider answers.
        let outcome = try await speechSynthesizer.synthesize(
            text: text, voice: voice, instructions: instructions?.isEmpty == false ? instructions : nil, key: key)
        switch outcome {
        case .audio(let bytes):
            return .ok(.init(body: .audioMpeg(HTTPBody(bytes))))
        case .rejected:
            throw APIError(.badRequest, "TTS provider rejected the request")
        case .failed:
            throw APIError(.badGateway, "TTS provider request failed")
        }
    }

    /// Admits one server-paid synthesis of `characters` or throws the 429 that applies; a storage failure fails closed.
    func admitSpeech(uid: String, characters: Int64, now: Int64) async throws {
        let dayStart = now - now % Self.microsPerDay
        let result: (admitted: Bool, usage: MeterUsage)
        do {
            result = try await meters.admit(
                scope: "tts", uid: uid, now: now, windowStart: now - 60_000_000, dayStart: dayStart,
                units: characters) { usage in
                    usage.windowCount < Self.speechBurstLimit && usage.dayUnits + characters <= Self.speechDailyCharacters
                }
        } catch {
            throw APIError(.serviceUnavailable, "TTS rate limiting is unavailable")
        }
        if result.admitted { return }
        if result.usage.windowCount >= Self.speechBurstLimit {
            throw APIError(.tooManyRequests, "TTS burst rate limit exceeded", headers: [.retryAfter: "60"])
        }
        let untilMidnight = (dayStart + Self.microsPerDay - now + 999_999) / 1_000_000
        throw APIError(.tooManyRequests, "TTS daily character limit exceeded",
                       headers: [.retryAfter: String(max(1, untilMidnight))])
    }
}
