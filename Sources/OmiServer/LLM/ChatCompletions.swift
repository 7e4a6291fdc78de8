import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OmiContract
import OmiStorage

/// `POST /v2/chat/completions` (chat.md §9), served by a raw route so streamed events reach the client as the
/// upstream produces them. `OmiResponder` adds the contract-version and request-id headers to every answer of this
/// path and renders errors thrown before the handler (authentication, the body cap) in this endpoint's shape.
///
/// Pipeline: user → body shape (422) → model and body rules (400) → BYOK key → rate limit (429) → configuration (503)
/// → upstream. Nothing from a request or response body, and no key or token, is ever logged.
struct ChatCompletions: Sendable {
    static let path = "/v2/chat/completions"
    static let operationID = "createChatCompletion"
    static let versionHeader = HTTPField.Name("X-Omi-Chat-Contract-Version")!
    static let requestIdHeader = HTTPField.Name("X-Omi-Request-Id")!
    static let byokHeader = HTTPField.Name("X-BYOK-Anthropic")!
    static let bodyCap = BodyLimits.Cap(bytes: 16 * 1024 * 1024, message: ChatCompletionError.tooLarge.message,
                                        tooLarge: ChatCompletionError.tooLarge)
    static let meterScope = "chat"
    static let rateLimit: Int64 = 120
    static let rateWindowMicros: Int64 = 60_000_000
    /// The per-account alias the desktop's own usage reports default to.
    static let usageAccount = "omi"

    let settings: ChatProviderSettings
    let anthropicKey: String?
    let openAIKey: String?
    let openAIBase: String
    let admission: UserAdmission
    let byok: BYOKGate
    let meters: any MeterRepository
    let usage: any UsageRepository
    let logger: Logger

    init(settings: Settings, admission: UserAdmission, byok: BYOKGate, meters: any MeterRepository,
         usage: any UsageRepository, logger: Logger) {
        self.settings = settings.chat
        anthropicKey = settings.anthropicAPIKey
        openAIKey = settings.openAIAPIKey
        openAIBase = settings.openAIAPIBase
        self.admission = admission
        self.byok = byok
        self.meters = meters
        self.usage = usage
        self.logger = logger
    }

    /// The request id of this path: the inbound `X-Omi-Request-Id` when it is usable, else a new UUID v4.
    static func requestId(from headers: HTTPFields) -> String {
        if let sent = headers[requestIdHeader]?.trimmingCharacters(in: .whitespaces), !sent.isEmpty, sent.count <= 200,
           sent.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) {
            return sent
        }
        return RandomUUID.lowercased()
    }

    /// The version check, made before the body is read (chat.md §9.7, first row).
    static func checkVersion(_ headers: HTTPFields) throws(ChatCompletionError) {
        if let version = headers[versionHeader], version.trimmingCharacters(in: .whitespaces) != "1" {
            throw .versionUnsupported
        }
    }

    func register(on router: Router<AppRequestContext>, table: RouteTable) {
        table.add(method: .post, path: Self.path)
        router.post(RouterPath(Self.path)) { request, context in
            try await handle(request, context: context)
        }
    }

    var upstream: ChatUpstream? {
        settings.provider.map {
            ChatUpstream(provider: $0, anthropicBase: settings.anthropicAPIBase, openAIBase: openAIBase,
                         timings: settings.timings, logger: logger)
        }
    }

    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        // A missing or invalid token is the global 401, rendered in this endpoint's shape by the responder.
        guard case .admitted(let user) = try await admission.admit(
            request.headers, method: request.method, operationID: Self.operationID)
        else { throw APIError(.unauthorized, "Invalid authorization token") }
        let requestId = RequestValues.requestId
        var request = request
        let received = try await request.collectBody(upTo: Self.bodyCap.bytes)
        let parsed = try ChatCompletionRequest.parse(
            try ChatCompletionRequest.shape(Array(received.readableBytesView)), models: settings.models)

        let paying = try await credential(user: user, headers: request.headers)
        try await admit(uid: user.uid)
        guard let upstream = self.upstream, let credential = paying else { throw ChatCompletionError.notConfigured }

        let body = upstream.provider == .anthropic ? parsed.anthropic : parsed.openAIBody
        let outgoing = upstream.request(body, credential: credential)
        let created = Int64(Date().timeIntervalSince1970)
        let recorder = UsageRecorder(uid: user.uid, requestId: requestId, upstreamModel: parsed.upstreamModel,
                                     price: credential.userKey ? nil : settings.price(of: parsed.upstreamModel),
                                     usage: usage, logger: logger)
        do {
            if parsed.stream {
                let response = try await upstream.open(outgoing)
                return try await stream(response, provider: upstream.provider, model: parsed.publicModel,
                                        created: created, recorder: recorder)
            }
            let answer = try await upstream.json(outgoing)
            let translated = switch upstream.provider {
            case .anthropic: ChatCompletionAnswer.fromAnthropic(answer, model: parsed.publicModel, created: created)
            case .openai: ChatCompletionAnswer.fromOpenAI(answer, model: parsed.publicModel)
            }
            guard let completion = translated else {
                logger.warning("chat upstream: answer is not a completion")
                throw ChatUpstream.Failure.failed
            }
            await recorder.record(completion.1)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: completion.0.jsonText)))
        } catch ChatUpstream.Failure.rateLimited {
            throw ChatCompletionError.rateLimited
        } catch is ChatUpstream.Failure {
            throw ChatCompletionError.upstream
        }
    }

    /// The key that pays for the call: a validated `X-BYOK-Anthropic` for an anthropic upstream, else the server's.
    /// Nil when there is neither (answered 503 after the rate limit, in table order).
    func credential(user: AuthenticatedUser, headers: HTTPFields) async throws -> ChatUpstream.Credential? {
        switch settings.provider {
        case .anthropic?:
            var own = HTTPFields()
            if let value = headers[Self.byokHeader] { own[Self.byokHeader] = value }
            // Only this provider's header is passed, so another provider's stale key cannot refuse the call.
            let keys = try await byok.validate(user: user, own, now: Clock.nowMicros(), refuse: true)
            if let key = keys.keys["anthropic"] { return .init(key: key, userKey: true) }
            return anthropicKey.map { .init(key: $0, userKey: false) }
        case .openai?:
            return openAIKey.map { .init(key: $0, userKey: false) }
        case nil:
            return nil
        }
    }

    /// At most 120 requests per user in a rolling 60 s; a store failure fails closed.
    func admit(uid: String) async throws(ChatCompletionError) {
        let now = Clock.nowMicros()
        let limit = Self.rateLimit
        let result: (admitted: Bool, usage: MeterUsage)
        do {
            result = try await meters.admit(
                scope: Self.meterScope, uid: uid, now: now, windowStart: now - Self.rateWindowMicros,
                dayStart: now - now % 86_400_000_000, units: 1, decide: { $0.windowCount < limit })
        } catch {
            logger.error("chat completions: rate limiting unavailable",
                         metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw .meteringDown
        }
        if !result.admitted { throw .rateLimited }
    }

    /// Reads the upstream until the first event to send, so that a failure before then is still a normal error
    /// (502), then answers 200 and writes the translated events of each upstream chunk as it arrives. A failure after
    /// that sends the error event and `[DONE]`. Leaving the loop (a failed client write, or the end) drops the
    /// upstream body, which cancels the upstream request.
    func stream(_ response: HTTPClientResponse, provider: ChatProviderSettings.Provider, model: String, created: Int64,
                recorder: UsageRecorder) async throws(ChatUpstream.Failure) -> Response {
        let upstream = UpstreamStream(body: response.body, provider: provider, model: model, created: created,
                                      logger: logger)
        var first = await upstream.next()
        while first.out.isEmpty && first.status == .more {
            first = await upstream.next()
        }
        if first.out.isEmpty && first.status == .failed { throw .failed }
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { [first] writer in
            var step = first
            while true {
                switch step.status {
                case .more:
                    if !step.out.isEmpty { try await writer.write(ByteBuffer(string: step.out)) }
                    step = await upstream.next()
                    continue
                case .completed(let tokens):
                    try await writer.write(ByteBuffer(string: step.out))
                    await recorder.record(tokens)
                case .failed:
                    try await writer.write(ByteBuffer(string: step.out + ChatCompletionAnswer.streamError
                                                      + ChatCompletionAnswer.done))
                }
                break
            }
            try await writer.finish(nil)
        })
    }
}

/// One upstream stream being translated: read by the handler until its first output, then by the response body.
/// The two never run at once, so the unchecked state is only ever touched by one task at a time.
final class UpstreamStream: @unchecked Sendable {
    enum Status: Sendable, Equatable {
        case more
        case completed(TokenUsage)
        /// The upstream failed, reported an error, sent something unreadable or ended early.
        case failed
    }

    private var chunks: HTTPClientResponse.Body.AsyncIterator
    private var parser = ServerSentEventParser()
    private var translator: StreamTranslator
    private var done = false
    let logger: Logger

    init(body: HTTPClientResponse.Body, provider: ChatProviderSettings.Provider, model: String, created: Int64,
         logger: Logger) {
        chunks = body.makeAsyncIterator()
        translator = StreamTranslator(provider: provider, model: model, created: created)
        self.logger = logger
    }

    /// The events translated from the next upstream chunk, and whether the stream goes on.
    func next() async -> (out: String, status: Status) {
        if done { return ("", .failed) }
        let chunk: ByteBuffer?
        do {
            chunk = try await chunks.next()
        } catch {
            done = true
            logger.warning("chat upstream: stream ended early", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return ("", .failed)
        }
        var events = parser.feed(chunk?.readableBytesView ?? ByteBuffer().readableBytesView)
        if chunk == nil, let last = parser.finish() { events.append(last) }
        var out = ""
        for event in events {
            switch translator.step(event) {
            case .send(let texts):
                out += texts.joined()
            case .finished(let texts, let tokens):
                done = true
                return (out + texts.joined(), .completed(tokens))
            case .failed:
                done = true
                logger.warning("chat upstream: stream reported an error or was unreadable")
                return (out, .failed)
            }
        }
        if chunk == nil {
            done = true
            logger.warning("chat upstream: stream ended before the message was complete")
            return (out, .failed)
        }
        return (out, .more)
    }
}

/// Either provider's stream translation.
enum StreamTranslator: Sendable {
    case anthropic(AnthropicStreamTranslator)
    case openai(OpenAIStreamTranslator)

    init(provider: ChatProviderSettings.Provider, model: String, created: Int64) {
        switch provider {
        case .anthropic: self = .anthropic(AnthropicStreamTranslator(model: model, created: created))
        case .openai: self = .openai(OpenAIStreamTranslator(model: model))
        }
    }

    mutating func step(_ event: ServerSentEventParser.Event) -> AnthropicStreamTranslator.Step {
        switch self {
        case .anthropic(var translator):
            let step = translator.step(event)
            self = .anthropic(translator)
            return step
        case .openai(var translator):
            let step = translator.step(event)
            self = .openai(translator)
            return step
        }
    }
}

/// Adds one completed upstream call to the caller's `desktop_chat` usage and counts the request's chat question
/// (chat.md §9.6). Failures are logged and never change the answer.
struct UsageRecorder: Sendable {
    let uid: String
    let requestId: String
    let upstreamModel: String
    /// Nil when the caller's own key paid: tokens are recorded with cost 0.
    let price: ChatProviderSettings.Price?
    let usage: any UsageRepository
    let logger: Logger

    func record(_ tokens: TokenUsage) async {
        let now = Clock.nowMicros()
        do {
            try await usage.recordDesktop(uid: uid, day: OmiAPI.utcDay(now), account: ChatCompletions.usageAccount,
                                          tokens.increment(price: price))
            try await usage.recordQuestion(uid: uid, key: "chat_completions:\(requestId)", now: now)
        } catch {
            logger.error("chat completions: usage not recorded", metadata: [
                "model": "\(upstreamModel)", "error": "\(String(reflecting: type(of: error)))",
            ])
        }
    }
}
