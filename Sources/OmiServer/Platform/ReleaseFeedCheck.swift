import Crypto
import Foundation
import OmiContract
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The feed checks the tool makes after a pointer change (platform.md §1.8 steps 2–4).
extension ReleaseTool {

    /// Fetches the platform's feed and checks that it shows `pointer` the way §1.2 says it must.
    public func checkFeed(platform: String, channel: String, pointer: Wire.ChannelPointer) async throws -> FeedCheck {
        let xml = try await feed(platform: platform)
        let items = try Self.feedItems(xml)
        guard let build = pointer.buildNumber else {
            throw ReleaseToolError.checkFailed(pointer: pointer, idempotent: false,
                                               problem: "the server answered a pointer without a build number")
        }
        switch Self.verify(items, channel: channel, build: build) {
        case .success(let note):
            return FeedCheck(items: items, note: note)
        case .failure(let problem):
            throw ReleaseToolError.checkFailed(
                pointer: pointer, idempotent: false,
                problem: "feed check failed: \(problem.message) (feed items: \(FeedItem.render(items))). "
                    + "Another server instance may still serve a cached feed for up to 60 s; check again shortly.")
        }
    }

    /// The raw feed XML of `/v2/desktop/appcast.xml`.
    public func feed(platform: String) async throws -> String {
        guard let query = Components.Parameters.ReleasePlatform(rawValue: platform) else {
            throw ReleaseToolError.invalidArgument(Self.platformProblem(platform))
        }
        let output = try await send("getAppcast") {
            try await client.getAppcast(.init(query: .init(platform: query)))
        }
        switch output {
        case .ok(let response):
            let body = try response.body.applicationXmlCharsetUtf8
            return try await send("getAppcast") { try await String(collecting: body, upTo: 4 << 20) }
        case .serviceUnavailable:
            throw ReleaseToolError.feedUnavailable("the feed answered 503: storage is unavailable; retry in a minute")
        case .unprocessableContent(let response):
            throw ReleaseToolError.validation(problems: Self.problems(try response.body.json))
        case .undocumented(let status, let payload):
            throw await unexpected("getAppcast", status, payload)
        }
    }

    /// The items of a Sparkle feed: each `<item>`'s `<sparkle:version>` and `<sparkle:channel>`, if any.
    public static func feedItems(_ xml: String) throws -> [FeedItem] {
        guard xml.contains("<rss"), xml.contains("</rss>") else {
            throw ReleaseToolError.feedUnavailable("the feed is not an RSS document")
        }
        var items: [FeedItem] = []
        for chunk in xml.components(separatedBy: "<item>").dropFirst() {
            guard let end = chunk.range(of: "</item>") else {
                throw ReleaseToolError.feedUnavailable("the feed has an unterminated <item>")
            }
            let item = chunk[..<end.lowerBound]
            guard let versionText = between(item, "<sparkle:version>", "</sparkle:version>"),
                  let build = Int64(versionText.trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                throw ReleaseToolError.feedUnavailable("a feed item has no integer <sparkle:version>")
            }
            let channel = between(item, "<sparkle:channel>", "</sparkle:channel>")
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            items.append(FeedItem(build: build, channel: channel))
        }
        return items
    }

    /// The §1.8 checks on the feed after `channel` was moved to `build`:
    /// - beta: a `beta` item with that build, unless stable is not older, in which case §1.2 leaves beta out;
    /// - stable: an untagged item with that build, and no beta item at or below it.
    public static func verify(_ items: [FeedItem], channel: String, build: Int64) -> Result<String, FeedProblem> {
        var stable: [FeedItem] = []
        var beta: [FeedItem] = []
        for item in items {
            switch item.channel {
            case nil: stable.append(item)
            case "beta"?: beta.append(item)
            case let other?: return .failure(FeedProblem("an item carries the channel \(other.debugDescription); only beta is allowed"))
            }
        }
        if stable.count > 1 { return .failure(FeedProblem("more than one untagged item")) }
        if beta.count > 1 { return .failure(FeedProblem("more than one beta item")) }
        if channel == "beta" {
            if let item = beta.first {
                return item.build == build
                    ? .success("beta item with sparkle:version \(build) is present")
                    : .failure(FeedProblem("the beta item has sparkle:version \(item.build), expected \(build)"))
            }
            if let item = stable.first, item.build >= build {
                return .success("no beta item: stable build \(item.build) is not older than beta build \(build), "
                                + "so beta clients receive the stable item")
            }
            return .failure(FeedProblem("no beta item with sparkle:version \(build)"))
        }
        guard let item = stable.first else {
            return .failure(FeedProblem("no untagged item with sparkle:version \(build)"))
        }
        guard item.build == build else {
            return .failure(FeedProblem("the untagged item has sparkle:version \(item.build), expected \(build)"))
        }
        if let ahead = beta.first {
            guard ahead.build > build else {
                return .failure(FeedProblem("the beta item with sparkle:version \(ahead.build) is not ahead of stable \(build)"))
            }
            return .success("untagged item with sparkle:version \(build) is present; beta item \(ahead.build) is ahead")
        }
        return .success("untagged item with sparkle:version \(build) is present; no beta item")
    }
}
