import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

/// The feed parsed as XML, item by item, as Sparkle reads it.
struct ParsedFeed {
    struct Item {
        var children: [(name: String, uri: String?, text: String)]
        var enclosure: [String: String]
        func text(_ name: String) -> String? { children.first { $0.name == name }?.text }
        var channel: String? { text("sparkle:channel") }
        var build: String? { text("sparkle:version") }
    }

    var items: [Item]
    var channelTitle: String?
    var namespace: String?

    init(_ text: String) throws {
        let document = try XMLDocument(data: Data(text.utf8), options: [])
        let root = document.rootElement()
        namespace = root?.namespace(forPrefix: "sparkle")?.stringValue
        let channel = root?.elements(forName: "channel").first
        channelTitle = channel?.elements(forName: "title").first?.stringValue
        items = (channel?.elements(forName: "item") ?? []).map { item in
            var children: [(String, String?, String)] = []
            var enclosure: [String: String] = [:]
            for case let element as XMLElement in item.children ?? [] {
                children.append((element.name ?? "", element.uri, element.stringValue ?? ""))
                if element.name == "enclosure" {
                    for attribute in element.attributes ?? [] { enclosure[attribute.name ?? ""] = attribute.stringValue }
                }
            }
            return Item(children: children, enclosure: enclosure)
        }
    }
}

@Suite("Sparkle feeds and downloads (platform.md §1.2–§1.4)")
struct AppcastFeedTests {
    typealias S = ReleaseSeed
    static let sparkle = "http://www.andymatuschak.org/xml-namespaces/sparkle"

    static func feed(_ h: TestHarness, _ query: String = "") async throws -> ParsedFeed {
        let r = try await h.call(.get, "/v2/desktop/appcast.xml" + query, as: nil)
        #expect(r.status == 200 && r.headers[.contentType] == "application/xml; charset=utf-8", "\(r.status) \(r.text)")
        #expect(r.headers[.cacheControl] == "max-age=300")
        return try ParsedFeed(r.text)
    }

    @Test(arguments: TestEngine.available)
    func withNoPointersTheFeedIsEmptyAndEveryDownloadIs404(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            try await S.register(h, 100)
            let feed = try await Self.feed(h)
            #expect(feed.items.isEmpty && feed.channelTitle == "Omi Desktop Updates" && feed.namespace == Self.sparkle)
            let stable = try await h.call(.get, "/v2/desktop/download/latest", as: nil)
            #expect(stable.status == 404 && stable.detail == "No installer found for platform macos, channel: stable")
            let beta = try await h.call(.get, "/v2/desktop/download/latest?channel=beta", as: nil)
            #expect(beta.status == 404 && beta.detail == "No installer found for platform macos, channel: beta")
            for path in ["/download", "/updates/latest"] {
                let r = try await h.call(.get, path, as: nil)
                #expect(r.status == 404 && r.detail == "No live releases found", "\(path)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func onlyBetaSetNeverReachesStableClients(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            try await S.register(h, 101)
            try await S.promote(h, 101, to: "beta")
            let feed = try await Self.feed(h)
            #expect(feed.items.count == 1 && feed.items[0].channel == "beta" && feed.items[0].build == "101")
            #expect(try await h.call(.get, "/v2/desktop/download/latest?channel=stable", as: nil).status == 404)
            #expect(try await h.call(.get, "/download", as: nil).status == 404)
            #expect(try await h.call(.get, "/updates/latest", as: nil).status == 404)
            for path in ["/v2/desktop/download/latest?channel=beta", "/v2/desktop/download/beta"] {
                let page = try await h.call(.get, path, as: nil)
                #expect(page.status == 200 && page.text.contains("v0.12.101 (build 101)"), "\(path)")
                #expect(page.text.contains("Download Omi Beta for macOS"))
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func aNewerBetaIsTaggedAndOrderedFirst(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for build in [100, 101] {
                try await S.register(h, build)
                try await S.promote(h, build, to: "beta")
            }
            try await S.promote(h, 100, to: "stable")
            let feed = try await Self.feed(h)
            #expect(feed.items.map(\.build) == ["101", "100"])
            #expect(feed.items.map(\.channel) == ["beta", nil], "a stable item has no channel element at all")
            // Stable catches up: one untagged item, and beta clients get it too.
            try await S.promote(h, 101, to: "stable")
            let caughtUp = try await Self.feed(h)
            #expect(caughtUp.items.count == 1 && caughtUp.items[0].build == "101" && caughtUp.items[0].channel == nil)
            let beta = try await h.call(.get, "/v2/desktop/download/latest?channel=beta", as: nil)
            #expect(beta.text.contains("(build 101)") && beta.text.contains("Download Omi for macOS"))
        }
    }

    @Test(arguments: TestEngine.available)
    func aBetaBehindStableIsLeftOut(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for build in [100, 101] {
                try await S.register(h, build)
                try await S.promote(h, build, to: "beta")
            }
            try await S.promote(h, 101, to: "stable")
            // Beta rolled back below stable: still one untagged item, and beta downloads serve stable.
            try await S.promote(h, 100, to: "beta", operation: "rollback", reason: "bad beta")
            let feed = try await Self.feed(h)
            #expect(feed.items.count == 1 && feed.items[0].build == "101" && feed.items[0].channel == nil)
            #expect(try await h.call(.get, "/v2/desktop/download/beta", as: nil).text.contains("(build 101)"))
        }
    }

    @Test(arguments: TestEngine.available)
    func itemsCarryExactlyTheDocumentedElements(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            try await S.register(h, 100)
            try await S.register(h, 101, [
                "minimum_system_version": .string("14.0"), "critical": .bool(true),
                "release_notes_url": .string("https://omi.me/notes/101"), "changelog": .array([]),
            ])
            for build in [100, 101] { try await S.promote(h, build, to: "beta") }
            try await S.promote(h, 100, to: "stable")
            let feed = try await Self.feed(h)
            let (beta, stable) = (feed.items[0], feed.items[1])
            #expect(stable.children.map(\.name) == [
                "title", "pubDate", "sparkle:version", "sparkle:shortVersionString", "description", "enclosure",
            ])
            #expect(beta.children.map(\.name) == [
                "title", "pubDate", "sparkle:version", "sparkle:shortVersionString", "sparkle:minimumSystemVersion",
                "description", "sparkle:releaseNotesLink", "enclosure", "sparkle:channel", "sparkle:criticalUpdate",
            ])
            #expect(beta.children.filter { $0.name.hasPrefix("sparkle:") }.allSatisfy { $0.uri == Self.sparkle })
            #expect(stable.text("title") == "Omi 0.12.100" && stable.text("pubDate") == "Thu, 05 Mar 2026 10:00:00 +0000")
            #expect(stable.text("sparkle:shortVersionString") == "0.12.100")
            #expect(stable.text("description") == "<ul><li>&#128027; Fixed a crash</li><li>&#10024; Faster sync</li></ul>")
            #expect(beta.text("description") == "<p>Bug fixes and improvements</p>")
            #expect(beta.text("sparkle:minimumSystemVersion") == "14.0")
            #expect(beta.text("sparkle:releaseNotesLink") == "https://omi.me/notes/101")
            #expect(stable.enclosure == [
                "url": "https://downloads.example.com/Omi-100.zip", "length": "81234567",
                "type": "application/octet-stream", "sparkle:os": "macos", "sparkle:edSignature": "c2lnbmF0dXJl100==",
                "sparkle:version": "100", "sparkle:shortVersionString": "0.12.100",
            ])
        }
    }

    @Test(arguments: TestEngine.available)
    func hostileReleaseTextStaysWellFormed(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            let item = "a]]><script>alert('x')</script> & more"
            let signature = #"ab"c<d>&'e"#
            try await S.register(h, 100, ["changelog": .array([.string(item)]), "ed_signature": .string(signature),
                                          "update_url": .string("https://d.example.com/Omi.zip?a=1&b=\"2\"")])
            try await S.promote(h, 100, to: "beta")
            let feed = try await Self.feed(h)
            let parsed = feed.items[0]
            #expect(parsed.enclosure["sparkle:edSignature"] == signature)
            #expect(parsed.enclosure["url"] == "https://d.example.com/Omi.zip?a=1&b=\"2\"")
            let escaped = "a]]&gt;&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; more"
            #expect(parsed.text("description") == "<ul><li>&#10024; \(escaped)</li></ul>")
        }
    }

    @Test func theRendererDropsControlCharactersAndSplitsCDATAEnds() throws {
        var manifest = Wire.ReleaseManifest(
            releaseId: "v1.0+1-macos", platform: "macos", version: "1.0\u{01}\u{0B}", buildNumber: 1,
            updateUrl: "https://x.example.com/a.zip", updateLength: 1, updateSha256: "sha256:00", installerUrl: "https://x",
            publishedAt: "2026-03-05T10:00:00.000Z")
        manifest.changelog = ["tab\there\u{FFFE}"]
        let xml = AppcastFeed.render([.init(manifest: manifest, beta: false)])
        let feed = try ParsedFeed(xml)
        #expect(feed.items[0].text("title") == "Omi 1.0")
        #expect(feed.items[0].text("description") == "<ul><li>&#10024; tab\there</li></ul>")
        #expect(AppcastFeed.cdata("x]]>y]]>") == "x]]]]><![CDATA[>y]]]]><![CDATA[>")
        let wrapped = try ParsedFeed(AppcastFeed.render([]).replacingOccurrences(
            of: "<language>en</language>",
            with: "<language>en</language><item><description><![CDATA[\(AppcastFeed.cdata("a]]>b"))]]></description></item>"))
        #expect(wrapped.items[0].text("description") == "a]]>b")
        #expect(AppcastFeed.icon("Improved performance") == "&#9889;" && AppcastFeed.icon("Deprecated API") == "&#9888;")
    }

    @Test(arguments: TestEngine.available)
    func unknownPlatformsAre422AndTheLegacyFeedIsTheSame(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for path in ["/v2/desktop/appcast.xml?platform=ios", "/appcast.xml?platform=ios",
                         "/v2/desktop/download/latest?platform=ios", "/v2/desktop/download/latest?channel=alpha",
                         "/v2/desktop/update-policy?platform=ios", "/v2/desktop/download/beta?platform=ios"] {
                #expect(try await h.call(.get, path, as: nil).status == 422, "\(path)")
            }
            try await S.register(h, 100)
            try await S.promote(h, 100, to: "beta")
            let v2 = try await h.call(.get, "/v2/desktop/appcast.xml?platform=macos", as: nil)
            let legacy = try await h.call(.get, "/appcast.xml", as: nil)
            #expect(legacy.status == 200 && legacy.text == v2.text && !legacy.text.contains("staging"))
            #expect(legacy.headers[.cacheControl] == "max-age=300")
            // Platforms are separate feeds.
            #expect(try await Self.feed(h, "?platform=windows").items.isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func theLandingPageAndTheRedirectPointAtTheInstaller(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            let installer = "https://downloads.example.com/Omi.dmg?v=1&sig=\"x\""
            try await S.register(h, 100, ["installer_url": .string(installer)])
            try await S.promote(h, 100, to: "beta")
            try await S.promote(h, 100, to: "stable")
            let page = try await h.call(.get, "/v2/desktop/download/latest", as: nil)
            #expect(page.status == 200 && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.cacheControl] == "no-cache" && page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let escaped = "https://downloads.example.com/Omi.dmg?v=1&amp;sig=&quot;x&quot;"
            #expect(page.text.contains("<meta http-equiv=\"refresh\" content=\"2;url=\(escaped)\">"))
            #expect(page.text.contains("href=\"\(escaped)\"") && page.text.contains("Download Omi for macOS"))
            #expect(page.text.contains("v0.12.100 (build 100)") && !page.text.contains("<script src"))
            let redirect = try await h.call(.get, "/download", as: nil)
            #expect(redirect.status == 307 && redirect.headers[.location] == installer, "\(redirect.headers)")
            #expect(redirect.headers[.cacheControl] == "no-store" && redirect.text.isEmpty)
            let latest = try await h.call(.get, "/updates/latest", as: nil)
            #expect(latest.json == .object([
                "version": .string("0.12.100"), "build_number": .int(100),
                "download_url": .string("https://downloads.example.com/Omi-100.zip"), "is_critical": .bool(false),
            ]))
            // Windows is strict too: nothing promoted there, so 404, never the macOS build.
            #expect(try await h.call(.get, "/v2/desktop/download/windows", as: nil).status == 404)
            try await S.register(h, 300, platform: "windows", ["ed_signature": .null])
            try await S.promote(h, 300, to: "beta", platform: "windows")
            #expect(try await h.call(.get, "/v2/desktop/download/windows", as: nil).status == 404)
            let windowsBeta = try await h.call(.get, "/v2/desktop/download/windows?channel=beta", as: nil)
            #expect(windowsBeta.text.contains("Download Omi Beta for Windows") && windowsBeta.text.contains("(build 300)"))
        }
    }

    @Test(arguments: TestEngine.available)
    func aPointerChangeShowsAtOnceAndStorageFailureIs503(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            try await S.register(h, 100)
            #expect(try await Self.feed(h).items.isEmpty)
            try await S.promote(h, 100, to: "beta")
            #expect(try await Self.feed(h).items.count == 1, "the cached empty feed was dropped by the change")
            try await h.call(.post, "/v2/desktop/clear-cache", as: nil, headers: S.admin())
            try await h.database.withConnection { db in try await db.raw("DROP TABLE channel_history").run() }
            try await h.database.withConnection { db in try await db.raw("DROP TABLE channel_pointers").run() }
            let feed = try await h.call(.get, "/v2/desktop/appcast.xml", as: nil)
            #expect(feed.status == 503 && feed.text == "Desktop update feed is temporarily unavailable")
            #expect(feed.headers[.retryAfter] == "60" && feed.headers[.contentType] == "text/plain; charset=utf-8")
            let page = try await h.call(.get, "/v2/desktop/download/latest", as: nil)
            #expect(page.status == 503 && page.detail == "Release storage is temporarily unavailable")
        }
    }
}
