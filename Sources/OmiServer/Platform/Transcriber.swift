import AsyncHTTPClient
import Foundation
import NIOCore

/// How a batch transcription ended.
enum TranscriptionOutcome: Sendable, Equatable {
    case text(String)
    /// The provider answered 400: it refused this audio (a wrong sample rate or language, say).
    case rejected
    /// Anything else: a transport error, a timeout, another status, or an answer without the expected shape.
    case failed
}

/// Sends raw 16-bit mono PCM to Deepgram's pre-recorded API. It never logs the audio, the transcript or the key; a
/// provider 401 (a bad server key) is a failure like any other, so the desktop never reads it as its own sign-out.
struct Transcriber: Sendable {
    /// Its own client: no redirects, so the key never follows one to another host. Process-wide, never shut down.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(10)
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
    /// Transport errors and these statuses get one more attempt; audio is re-sendable, so a retry is safe.
    static let retryableStatuses: Set<UInt> = [408, 429, 500, 502, 503, 504]

    let settings: TranscriptionSettings
    var client: HTTPClient = Self.client

    func url(sampleRate: Int, language: String) -> String {
        var components = URLComponents()
        components.queryItems = [
            .init(name: "model", value: settings.model), .init(name: "smart_format", value: "true"),
            .init(name: "punctuate", value: "true"), .init(name: "encoding", value: "linear16"),
            .init(name: "sample_rate", value: String(sampleRate)), .init(name: "channels", value: "1"),
            .init(name: "language", value: language),
        ]
        return settings.apiBase + "/v1/listen" + (components.string ?? "")
    }

    func transcribe(pcm: ByteBuffer, sampleRate: Int, language: String, key: String) async throws -> TranscriptionOutcome {
        var request = HTTPClientRequest(url: url(sampleRate: sampleRate, language: language))
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Token \(key)")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        var outcome = TranscriptionOutcome.failed
        for _ in 0..<2 {
            request.body = .bytes(pcm)
            do {
                let response = try await client.execute(
                    request, timeout: .nanoseconds(Int64(settings.attemptTimeout.nanoseconds)))
                let status = response.status.code
                let body = try await response.body.collect(upTo: 4 << 20)
                if (200..<300).contains(status) { return Self.transcript(in: body).map { .text($0) } ?? .failed }
                outcome = status == 400 ? .rejected : .failed
                if !Self.retryableStatuses.contains(status) { return outcome }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try Task.checkCancellation()
                outcome = .failed
            }
        }
        return outcome
    }

    /// `results.channels[0].alternatives[0].transcript`; nil when the answer does not have that shape.
    static func transcript(in body: ByteBuffer) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let results = object["results"] as? [String: Any],
              let channels = results["channels"] as? [[String: Any]],
              let alternatives = channels.first?["alternatives"] as? [[String: Any]],
              let transcript = alternatives.first?["transcript"] as? String
        else { return nil }
        return transcript
    }
}
