import Crypto
import Foundation
import HTTPTypes
import OmiContract
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The operator command-line flow of platform.md §1.8 over the release administration API (§1.6): register a
/// manifest, read the pointers, promote or roll back with compare-and-swap, and check the feed afterwards.
///
/// Every method returns a structured result whose `description` is the text for a terminal. The secret is sent only
/// as the `X-Release-Secret` header and never appears in a result, an error or this value's own description.
public struct ReleaseTool: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let defaultServer = "http://127.0.0.1:8080"
    public static let platforms = ["macos", "windows", "linux"]
    public static let channelNames = ["stable", "beta"]

    public let serverURL: URL
    private let secret: RedactedSecret
    let client: Client

    public init(serverURL: URL, secret: String) {
        self.serverURL = serverURL
        self.secret = RedactedSecret(value: secret)
        client = Client(serverURL: serverURL, configuration: .omi, transport: AsyncHTTPClientTransport(),
                        middlewares: [AdminSecretHeader(secret: RedactedSecret(value: secret))])
    }

    /// Parses an `http`/`https` base URL first (a trailing `/` is dropped).
    public init(server: String, secret: String) throws {
        self.init(serverURL: try Self.serverURL(server), secret: secret)
    }

    public var description: String { "ReleaseTool(server: \(serverURL.absoluteString))" }
    public var debugDescription: String { description }

    // MARK: - register

    /// Registers the manifest of `tag`: version, build and platform come from the tag, the archive's size and
    /// SHA-256 from the local file (read in chunks). 201 and an identical repeat (200, idempotent) both succeed.
    public func register(
        tag: String, archive: String, archiveURL: String, installerURL: String, edSignature: String?,
        installerPath: String? = nil, changelog: [String] = [], minimumSystemVersion: String? = nil,
        critical: Bool = false, betaOnly: Bool = false, releaseNotesURL: String? = nil, sourceSHA: String? = nil,
        publishedAt: String? = nil
    ) async throws -> Registration {
        guard let parsed = ReleaseManifestRules.parseTag(tag),
              let platform = Components.Schemas.ReleaseManifestInput.PlatformPayload(rawValue: parsed.platform)
        else {
            throw ReleaseToolError.invalidArgument(
                "tag \(tag.debugDescription) is not of the form v0.12.64+12064-macos (v{version}+{build}-{macos|windows|linux})")
        }
        let archiveDigest = try Self.digest(ofFileAt: archive)
        guard archiveDigest.length > 0 else { throw ReleaseToolError.file(path: archive, reason: "is empty") }
        let installerDigest = try installerPath.map { try Self.digest(ofFileAt: $0) }
        let signature = edSignature?.trimmingCharacters(in: .whitespacesAndNewlines)
        let items = changelog.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        let input = Components.Schemas.ReleaseManifestInput(
            releaseId: tag, platform: platform, version: parsed.version, buildNumber: Int(parsed.build),
            updateUrl: archiveURL, updateLength: Int(archiveDigest.length), updateSha256: archiveDigest.sha256,
            edSignature: signature.flatMap { $0.isEmpty ? nil : $0 }, installerUrl: installerURL,
            installerSha256: installerDigest?.sha256, minimumSystemVersion: minimumSystemVersion, critical: critical,
            betaOnly: betaOnly, changelog: items.isEmpty ? nil : items, releaseNotesUrl: releaseNotesURL,
            sourceSha: sourceSHA, publishedAt: publishedAt)
        let output = try await send("registerRelease") {
            try await client.registerRelease(.init(headers: .init(), body: .json(input)))
        }
        switch output {
        case .created(let response):
            return Registration(status: 201, registration: try response.body.json, archive: archiveDigest)
        case .ok(let response):
            return Registration(status: 200, registration: try response.body.json, archive: archiveDigest)
        case .conflict(let response):
            let detail = Self.detail(try response.body.json)
            let advice = detail.contains("build_number")
                ? "another tag already uses build \(parsed.build) on \(parsed.platform); give the build a new number"
                : "the tag was reused with different bytes; give the build a new number"
            throw ReleaseToolError.registrationConflict(releaseId: tag, detail: detail, advice: advice)
        case .unauthorized(let response):
            throw ReleaseToolError.unauthorized(detail: Self.detail(try response.body.json))
        case .unprocessableContent(let response):
            throw ReleaseToolError.validation(problems: Self.problems(try response.body.json))
        case .undocumented(let status, let payload):
            throw await unexpected("registerRelease", status, payload)
        }
    }

    // MARK: - channels

    /// Both pointers of a platform and its latest history rows, newest first.
    public func channels(platform: String) async throws -> ChannelsReport {
        guard let query = Operations.GetChannels.Input.Query.PlatformPayload(rawValue: platform) else {
            throw ReleaseToolError.invalidArgument(Self.platformProblem(platform))
        }
        let output = try await send("getChannels") {
            try await client.getChannels(.init(query: .init(platform: query),
                                               headers: .init()))
        }
        switch output {
        case .ok(let response):
            let state = try response.body.json
            return ChannelsReport(platform: state.platform, stable: state.channels.stable, beta: state.channels.beta,
                                  history: state.history)
        case .unauthorized(let response):
            throw ReleaseToolError.unauthorized(detail: Self.detail(try response.body.json))
        case .unprocessableContent(let response):
            throw ReleaseToolError.validation(problems: Self.problems(try response.body.json))
        case .undocumented(let status, let payload):
            throw await unexpected("getChannels", status, payload)
        }
    }

    // MARK: - promote and rollback

    /// Moves `channel` forward to `releaseId`, naming the generation the operator read with `channels`. The platform
    /// defaults to the tag's. After the change the feed is fetched and checked (§1.8 steps 2 and 3).
    public func promote(platform: String? = nil, channel: String, releaseId: String, expectGeneration: Int64,
                        actor: String? = nil) async throws -> PointerChangeReport {
        try await change(operation: "promote", platform: platform, channel: channel, releaseId: releaseId,
                         expectGeneration: expectGeneration, reason: nil, actor: actor)
    }

    /// Moves `channel` back to an earlier target `to`, with a reason (§1.8 step 4).
    public func rollback(platform: String? = nil, channel: String, to releaseId: String, expectGeneration: Int64,
                         reason: String, actor: String? = nil) async throws -> PointerChangeReport {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ReleaseToolError.invalidArgument("a rollback needs a reason")
        }
        return try await change(operation: "rollback", platform: platform, channel: channel, releaseId: releaseId,
                                expectGeneration: expectGeneration, reason: reason, actor: actor)
    }

    private func change(operation: String, platform: String?, channel: String, releaseId: String,
                        expectGeneration: Int64, reason: String?, actor: String?) async throws -> PointerChangeReport {
        guard Self.channelNames.contains(channel) else {
            throw ReleaseToolError.invalidArgument("channel must be stable or beta, not \(channel.debugDescription)")
        }
        guard expectGeneration >= 0 else {
            throw ReleaseToolError.invalidArgument("the expected generation must be 0 or more")
        }
        guard let platform = platform ?? ReleaseManifestRules.parseTag(releaseId)?.platform else {
            throw ReleaseToolError.invalidArgument(
                "cannot tell the platform from \(releaseId.debugDescription); pass --platform macos|windows|linux")
        }
        guard Self.platforms.contains(platform) else { throw ReleaseToolError.invalidArgument(Self.platformProblem(platform)) }
        var body = Wire.PointerChange(platform: platform, channel: channel, releaseId: releaseId, operation: operation,
                                      expectedGeneration: expectGeneration)
        body.reason = reason
        body.actor = actor.flatMap { $0.isEmpty ? nil : $0 }
        let request = body
        let output = try await send("promoteChannel") {
            try await client.promoteChannel(.init(headers: .init(), body: .json(request)))
        }
        let result: Components.Schemas.PointerChangeResult
        switch output {
        case .ok(let response):
            result = try response.body.json
        case .conflict(let response):
            let conflict = try response.body.json
            throw ReleaseToolError.pointerConflict(detail: conflict.detail, pointer: conflict.pointer, platform: platform)
        case .notFound(let response):
            throw ReleaseToolError.notFound(detail: Self.detail(try response.body.json))
        case .unauthorized(let response):
            throw ReleaseToolError.unauthorized(detail: Self.detail(try response.body.json))
        case .unprocessableContent(let response):
            throw ReleaseToolError.validation(problems: Self.problems(try response.body.json))
        case .undocumented(let status, let payload):
            throw await unexpected("promoteChannel", status, payload)
        }

        // The pointer has moved (or already was there): from here on every failure still reports it.
        let pointer = result.pointer
        let entry: Wire.ChannelHistoryEntry?
        let feed: FeedCheck
        do {
            entry = try await channels(platform: platform).history.first {
                $0.channel == channel && $0.generation == pointer.generation
            }
            feed = try await checkFeed(platform: platform, channel: channel, pointer: pointer)
        } catch {
            let problem: String
            if case .checkFailed(_, _, let inner)? = error as? ReleaseToolError {
                problem = inner
            } else {
                problem = String(describing: error)
            }
            throw ReleaseToolError.checkFailed(pointer: pointer, idempotent: result.idempotent, problem: problem)
        }
        return PointerChangeReport(operation: operation, pointer: pointer, idempotent: result.idempotent,
                                   historyEntry: entry, feed: feed)
    }

    // MARK: - list

    /// One page of manifests, or with `all` every page, following `next_cursor` to the end.
    public func list(platform: String? = nil, limit: Int? = nil, all: Bool = false) async throws -> ReleaseListing {
        var platformQuery: Operations.ListReleases.Input.Query.PlatformPayload?
        if let platform {
            guard let value = Operations.ListReleases.Input.Query.PlatformPayload(rawValue: platform) else {
                throw ReleaseToolError.invalidArgument(Self.platformProblem(platform))
            }
            platformQuery = value
        }
        if let limit, !(1...100).contains(limit) {
            throw ReleaseToolError.invalidArgument("limit must be between 1 and 100")
        }
        let pageSize = limit ?? (all ? 100 : nil)
        var releases: [Wire.ReleaseManifest] = []
        var cursor: String?
        var seen: Set<String> = []
        while true {
            let query = Operations.ListReleases.Input.Query(platform: platformQuery, limit: pageSize, cursor: cursor)
            let output = try await send("listReleases") {
                try await client.listReleases(.init(query: query, headers: .init()))
            }
            let page: Wire.ReleaseList
            switch output {
            case .ok(let response):
                page = try response.body.json
            case .badRequest(let response):
                throw ReleaseToolError.badRequest(detail: Self.detail(try response.body.json))
            case .unauthorized(let response):
                throw ReleaseToolError.unauthorized(detail: Self.detail(try response.body.json))
            case .unprocessableContent(let response):
                throw ReleaseToolError.validation(problems: Self.problems(try response.body.json))
            case .undocumented(let status, let payload):
                throw await unexpected("listReleases", status, payload)
            }
            releases.append(contentsOf: page.releases)
            guard all, let next = page.nextCursor else {
                return ReleaseListing(releases: releases, nextCursor: page.nextCursor, complete: all)
            }
            // A server that repeated a cursor would otherwise loop for ever.
            guard seen.insert(next).inserted else {
                throw ReleaseToolError.unexpected(operation: "listReleases", status: 200,
                                                  body: "the server repeated the cursor \(next)")
            }
            cursor = next
        }
    }

    // MARK: - local files

    /// Size in bytes and `sha256:<hex>` of a file, read in chunks so a large archive is never held in memory.
    public static func digest(ofFileAt path: String, chunkSize: Int = 1 << 20) throws -> FileDigest {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReleaseToolError.file(path: path, reason: "does not exist")
        }
        guard !isDirectory.boolValue else { throw ReleaseToolError.file(path: path, reason: "is a directory") }
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw ReleaseToolError.file(path: path, reason: "cannot be opened (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var length: Int64 = 0
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: max(1, chunkSize))
            } catch {
                throw ReleaseToolError.file(path: path, reason: "cannot be read (\(error.localizedDescription))")
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
            length += Int64(chunk.count)
        }
        return FileDigest(length: length, sha256: "sha256:" + hex(hasher.finalize()))
    }

    /// The EdDSA signature in a file: either the bare base64 value or the output of Sparkle's `sign_update`
    /// (`sparkle:edSignature="…" length="…"`), from which the attribute value is taken.
    public static func readSignature(path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReleaseToolError.file(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        let text = String(decoding: data, as: UTF8.self)
        if let start = text.range(of: "sparkle:edSignature=\""),
           let end = text[start.upperBound...].firstIndex(of: "\"") {
            let value = String(text[start.upperBound..<end])
            guard !value.isEmpty else { throw ReleaseToolError.file(path: path, reason: "has an empty sparkle:edSignature") }
            return value
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ReleaseToolError.file(path: path, reason: "holds no signature") }
        return trimmed
    }

    /// An `http`/`https` URL with a host; a trailing `/` is dropped so paths append cleanly.
    public static func serverURL(_ text: String) throws -> URL {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else {
            throw ReleaseToolError.invalidArgument(
                "the server URL \(text.debugDescription) is not an http(s) URL such as \(defaultServer)")
        }
        return url
    }

    // MARK: - helpers

    /// Runs one client call; transport and decoding failures become errors that never repeat the request (whose
    /// headers hold the secret).
    func send<T>(_ operation: String, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as ReleaseToolError {
            throw error
        } catch let error as ClientError {
            let cause = "\(error.causeDescription): \(String(describing: error.underlyingError))"
            throw ReleaseToolError.transport(operation: operation, server: serverURL.absoluteString,
                                             cause: secret.redact(cause))
        } catch {
            throw ReleaseToolError.transport(operation: operation, server: serverURL.absoluteString,
                                             cause: secret.redact(String(describing: error)))
        }
    }

    func unexpected(_ operation: String, _ status: Int, _ payload: UndocumentedPayload) async -> ReleaseToolError {
        var text = ""
        if let body = payload.body { text = (try? await String(collecting: body, upTo: 64 << 10)) ?? "" }
        return ReleaseToolError.unexpected(operation: operation, status: status, body: secret.redact(text))
    }

    static func detail(_ body: Components.Schemas.ErrorBody) -> String {
        if let text = body.detail.value as? String { return text }
        guard let data = try? JSONEncoder().encode(body.detail) else { return "(no detail)" }
        return String(decoding: data, as: UTF8.self)
    }

    static func problems(_ body: Components.Schemas.ValidationErrorBody) -> [String] {
        var lines: [String] = []
        let items: Components.Schemas.ValidationErrorBody.DetailPayload.Case3Payload
        switch body.detail {
        case .case1(let text): return [text]
        case .case2(let object): return [(try? String(decoding: JSONEncoder().encode(object), as: UTF8.self)) ?? "(no detail)"]
        case .case3(let list): items = list
        }
        for problem in items {
            var path: [String] = []
            for part in problem.loc {
                switch part {
                case .case1(let key): path.append(key)
                case .case2(let index): path.append(String(index))
                }
            }
            lines.append("\(path.joined(separator: ".")): \(problem.msg)")
        }
        return lines
    }

    static func platformProblem(_ platform: String) -> String {
        "platform must be macos, windows or linux, not \(platform.debugDescription)"
    }

    static func between(_ text: Substring, _ open: String, _ close: String) -> String? {
        guard let start = text.range(of: open), let end = text[start.upperBound...].range(of: close) else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Holds the admin secret without letting `print`, `dump` or string interpolation show it.
private struct RedactedSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String

    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [:]) }

    func redact(_ text: String) -> String {
        value.isEmpty ? text : text.replacingOccurrences(of: value, with: "<redacted>")
    }
}

/// Sends the secret as written. The generated client percent-encodes header parameters, which turns a secret with
/// `+`, `/` or `=` (any base64 one) into text the server rightly refuses.
private struct AdminSecretHeader: ClientMiddleware {
    let secret: RedactedSecret

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[HTTPField.Name("X-Release-Secret")!] = secret.value
        return try await next(request, body, baseURL)
    }
}
