import AsyncHTTPClient
import Foundation
import NIOCore

/// The voices the speech provider accepts (platform.md §3.4).
enum SpeechVoices {
    static let supported = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer",
                            "verse", "marin", "cedar"]
}

/// The time rules of one synthesis (platform.md §3.4 step 6). The defaults are the spec's; tests shorten them.
public struct SpeechTimings: Sendable {
    /// The whole synthesis, retries and backoffs included; the app gives up after 60 s.
    public var budget: Duration = .seconds(55)
    /// The longest one attempt may take; an attempt gets the smaller of this and the time left in the budget.
    public var attemptTimeout: Duration = .seconds(30)
    /// No attempt starts with less than this left in the budget.
    public var minimumAttemptTime: Duration = .seconds(5)
    /// The wait before the second and the third attempt.
    public var backoffs: [Duration] = [.milliseconds(300), .milliseconds(600)]

    public init() {}
}

/// How a synthesis ended, once the retries are spent.
enum SpeechOutcome: Sendable, Equatable {
    case audio([UInt8])
    /// The provider's final answer was 400: it refused this input.
    case rejected
    /// Any other final failure: a non-retryable status, retryable ones to the end, or transport errors.
    case failed
}

/// Calls OpenAI's `/audio/speech` with the retry and timeout rules of platform.md §3.4. It never logs the text, the
/// key or the audio; it reads only the status and the body of the provider's answers.
struct SpeechSynthesizer: Sendable {
    static let model = "gpt-4o-mini-tts"
    static let attempts = 3
    static let retryableStatuses: Set<UInt> = [408, 425, 429, 500, 502, 503, 504, 529]
    /// Far above any MP3 of 4096 characters of speech; a larger answer is treated as a failure.
    static let maxAudioBytes = 64 * 1024 * 1024

    /// A client of its own for the spec's 10 s connect timeout (the shared client waits 90 s), and without redirects,
    /// so the bearer key is never replayed to another host. Process-wide, so it is never shut down.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(10)
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    let apiBase: String
    let timings: SpeechTimings
    var client: HTTPClient = Self.client

    /// The upstream JSON body; `instructions` is omitted when there are none.
    static func requestBody(text: String, voice: String, instructions: String?) -> [UInt8] {
        var body: [String: String] = ["model": model, "input": text, "voice": voice, "response_format": "mp3"]
        if let instructions { body["instructions"] = instructions }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(body)) ?? Data())
    }

    func synthesize(text: String, voice: String, instructions: String?, key: String) async throws -> SpeechOutcome {
        var request = HTTPClientRequest(url: apiBase + "/audio/speech")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "audio/mpeg")
        let body = Self.requestBody(text: text, voice: voice, instructions: instructions)
        let clock = ContinuousClock()
        let deadline = clock.now + timings.budget
        var lastStatus: UInt?
        for attempt in 0..<Self.attempts {
            if attempt > 0 {
                let backoffs = timings.backoffs
                if !backoffs.isEmpty { try await Task.sleep(for: backoffs[min(attempt - 1, backoffs.count - 1)]) }
            }
            let left = deadline - clock.now
            if left < timings.minimumAttemptTime { break }
            let timeout = min(timings.attemptTimeout, left)
            request.body = .bytes(body)
            do {
                let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)))
                let status = response.status.code
                if (200..<300).contains(status) {
                    var buffer = try await response.body.collect(upTo: Self.maxAudioBytes)
                    return .audio(buffer.readBytes(length: buffer.readableBytes) ?? [])
                }
                _ = try? await response.body.collect(upTo: 1 << 20)
                lastStatus = status
                if !Self.retryableStatuses.contains(status) { break }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // A transport error or an attempt timeout; the client may also have gone away.
                try Task.checkCancellation()
                lastStatus = nil
            }
        }
        return lastStatus == 400 ? .rejected : .failed
    }
}
