import Foundation
import HTTPTypes
import NIOCore
import OmiContract
import OmiStorage
import OpenAPIRuntime

/// Push-to-talk transcription. The contracts name the route and its 413 only (conventions.md §5.7, §11); the rest
/// is this server's choice, written in the OpenAPI document: Deepgram's pre-recorded API on the user's own key or,
/// for entitled users within the hourly limit, on the server's.
extension OmiAPI {
    static let transcriptionSampleRates = 8_000...48_000

    func transcribeVoiceMessage(
        _ input: Operations.TranscribeVoiceMessage.Input
    ) async throws -> Operations.TranscribeVoiceMessage.Output {
        let user = try RequestValues.requireUser()
        let sampleRate = input.query.sampleRate ?? 16_000
        let language = input.query.language ?? "en"
        var v = Validator()
        v.range(sampleRate, Self.transcriptionSampleRates, at: ["query", "sample_rate"])
        v.pattern(language, Self.isLanguageCode, description: "^(multi|[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3})$",
                  at: ["query", "language"])
        try v.check()
        // The body was collected under the route's 25 MiB cap before the handler ran.
        var pcm = ByteBuffer()
        if case .binary(let body)? = input.body {
            pcm = ByteBuffer(bytes: try await ArraySlice<UInt8>(collecting: body, upTo: BodyLimits.transcribeCap.bytes))
        }
        // An accidental tap records nothing; there is nothing to send or count.
        if pcm.readableBytes < 2 { return .ok(.init(body: .json(.init(transcript: "")))) }

        let key: String
        if let userKey = RequestValues.byok.keys["deepgram"] {
            key = userKey
        } else {
            guard try await entitlements.isEntitled(user: user, now: Clock.nowMicros()) else {
                throw APIError(.forbidden, "A paid subscription is required")
            }
            guard let serverKey = settings.deepgramAPIKey else {
                throw APIError(.serviceUnavailable, "Transcription is not configured")
            }
            try await rateLimiter.enforce(.voiceTranscribe, uid: user.uid)
            key = serverKey
        }
        let transcriber = Transcriber(settings: settings.transcription)
        switch try await transcriber.transcribe(pcm: pcm, sampleRate: sampleRate, language: language, key: key) {
        case .text(let text):
            return .ok(.init(body: .json(.init(transcript: text.trimmingCharacters(in: .whitespacesAndNewlines)))))
        case .rejected:
            throw APIError(.badRequest, "Transcription provider rejected the audio")
        case .failed:
            throw APIError(.badGateway, "Transcription provider request failed")
        }
    }

    /// `multi`, or a BCP 47-like tag: 2–3 letters, then up to three subtags of 2–8 letters or digits.
    static func isLanguageCode(_ value: String) -> Bool {
        if value == "multi" { return true }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy(\.isASCII),
              first.allSatisfy(\.isLetter), parts.count <= 4 else { return false }
        return parts.dropFirst().allSatisfy { part in
            (2...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }

    /// The streaming transcription sockets are not served here: the desktop's live transcription and push-to-talk
    /// stream stay on a deployment that runs them. 501 is refused before any upgrade, so the app's back-off applies.
    func liveTranscription(_ input: Operations.LiveTranscription.Input) async throws -> Operations.LiveTranscription.Output {
        _ = try RequestValues.requireUser()
        throw APIError(.notImplemented, "Live transcription is not served by this server")
    }

    func voiceMessageStream(_ input: Operations.VoiceMessageStream.Input) async throws -> Operations.VoiceMessageStream.Output {
        _ = try RequestValues.requireUser()
        throw APIError(.notImplemented, "Streaming transcription is not served by this server")
    }
}
