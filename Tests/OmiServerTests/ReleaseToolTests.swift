import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import OmiContract
import Testing
@testable import OmiServer

@Suite("Release operator tool over a real socket (platform.md §1.8)")
struct ReleaseToolTests {
    /// Base64-like, as `openssl rand -base64` makes them: `+`, `/` and `=` must reach the server as written.
    static let secret = "t+t/" + String(repeating: "t", count: 34) + "=="
    static let first = "v0.12.63+12063-macos"
    static let second = "v0.12.64+12064-macos"

    /// 2 500 000 bytes `(i * 7 + 3) % 251`: more than two 1 MiB chunks, the last one partial.
    static let firstArchiveSHA = "sha256:41f6acef918c70b44b6fe048056118cce39b62f93563309e6eb20a9d677fd06b"
    /// Exactly 1 MiB `(i * 13 + 5) % 241`: one full chunk and nothing after it.
    static let secondArchiveSHA = "sha256:4eb07032e433e82382ff42a21e69eb9897d5fab16941058fce2dda12e4964bb1"

    @Test(arguments: TestEngine.available)
    func theOperatorFlowRegistersPromotesAndRollsBack(engine: TestEngine) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let firstArchive = try Self.writeArchive(in: directory, name: "Omi-12063.zip", count: 2_500_000, multiplier: 7,
                                                 offset: 3, modulus: 251)
        let secondArchive = try Self.writeArchive(in: directory, name: "Omi-12064.zip", count: 1 << 20, multiplier: 13,
                                                  offset: 5, modulus: 241)

        try await Self.withServer(engine) { server in
            let tool = ReleaseTool(serverURL: server, secret: Self.secret)

            // 1. Register: 201, then the same again is an idempotent 200.
            let created = try await Self.register(tool, Self.first, archive: firstArchive)
            #expect(created.status == 201 && !created.idempotent)
            #expect(created.releaseId == Self.first)
            #expect(created.manifest.version == "0.12.63" && created.manifest.buildNumber == 12063)
            #expect(created.manifest.platform == "macos")
            #expect(created.manifest.updateLength == 2_500_000)
            #expect(created.manifest.updateSha256 == Self.firstArchiveSHA)
            #expect(created.manifest.edSignature == "c2lnbmF0dXJl")
            #expect(created.manifest.changelog == ["Fixed a crash"])
            let repeated = try await Self.register(tool, Self.first, archive: firstArchive)
            #expect(repeated.status == 200 && repeated.idempotent)
            #expect(repeated.manifestSHA256 == created.manifestSHA256)
            #expect(repeated.description.contains("idempotent"))

            // The same tag with other bytes is refused with the advice to renumber.
            do {
                _ = try await Self.register(tool, Self.first, archive: secondArchive)
                Issue.record("re-registering a tag with different bytes must fail")
            } catch let error as ReleaseToolError {
                #expect(error.description.contains("409"))
                #expect(error.description.contains("new number"))
            }

            // 2. The pointers start unset at generation 0.
            let initial = try await tool.channels(platform: "macos")
            #expect(initial.stable.generation == 0 && initial.stable.releaseId == nil)
            #expect(initial.beta.generation == 0 && initial.beta.releaseId == nil)
            #expect(initial.history.isEmpty)
            #expect(initial.description.contains("(unset)"))

            // 3. Promote to beta: the feed gains a beta item with the build.
            let beta1 = try await tool.promote(channel: "beta", releaseId: Self.first, expectGeneration: 0, actor: "ci")
            #expect(!beta1.idempotent)
            #expect(beta1.pointer.channel == "beta" && beta1.pointer.releaseId == Self.first)
            #expect(beta1.pointer.buildNumber == 12063 && beta1.pointer.generation == 1)
            #expect(beta1.feed.items == [FeedItem(build: 12063, channel: "beta")])
            #expect(beta1.historyEntry?.operation == "promote")
            #expect(beta1.description.contains("beta    \(Self.first)  build 12063  generation 1"))

            // 4. Promote to stable: an untagged item with the build, and the beta item is gone.
            let stable1 = try await tool.promote(channel: "stable", releaseId: Self.first, expectGeneration: 0)
            #expect(stable1.pointer.channel == "stable" && stable1.pointer.releaseId == Self.first)
            #expect(stable1.pointer.generation == 1)
            #expect(stable1.feed.items == [FeedItem(build: 12063, channel: nil)])

            // A second build goes through the same steps.
            let registered2 = try await Self.register(tool, Self.second, archive: secondArchive)
            #expect(registered2.status == 201)
            #expect(registered2.manifest.updateLength == 1 << 20)
            #expect(registered2.manifest.updateSha256 == Self.secondArchiveSHA)
            let beta2 = try await tool.promote(channel: "beta", releaseId: Self.second, expectGeneration: 1)
            #expect(beta2.pointer.generation == 2 && beta2.pointer.buildNumber == 12064)
            #expect(beta2.feed.items == [FeedItem(build: 12064, channel: "beta"), FeedItem(build: 12063, channel: nil)])
            let stable2 = try await tool.promote(channel: "stable", releaseId: Self.second, expectGeneration: 1)
            #expect(stable2.pointer.generation == 2 && stable2.pointer.releaseId == Self.second)
            #expect(stable2.feed.items == [FeedItem(build: 12064, channel: nil)])

            // 5. Roll stable back to the first build with a reason: the pointer is back and history records it.
            let rollback = try await tool.rollback(channel: "stable", to: Self.first, expectGeneration: 2,
                                                   reason: "crash on launch", actor: "oncall")
            #expect(!rollback.idempotent)
            #expect(rollback.pointer.releaseId == Self.first && rollback.pointer.buildNumber == 12063)
            #expect(rollback.pointer.generation == 3)
            #expect(rollback.historyEntry?.operation == "rollback")
            #expect(rollback.historyEntry?.reason == "crash on launch")
            #expect(rollback.historyEntry?.previousReleaseId == Self.second)
            #expect(rollback.historyEntry?.actor == "oncall")
            // Beta is ahead of stable again, so its item is back.
            #expect(rollback.feed.items == [FeedItem(build: 12064, channel: "beta"), FeedItem(build: 12063, channel: nil)])
            #expect(rollback.description.contains("rolled back"))
            #expect(rollback.description.contains("crash on launch"))

            let afterRollback = try await tool.channels(platform: "macos")
            #expect(afterRollback.stable.releaseId == Self.first && afterRollback.stable.generation == 3)
            #expect(afterRollback.beta.releaseId == Self.second && afterRollback.beta.generation == 2)
            #expect(afterRollback.history.first?.operation == "rollback")
            #expect(afterRollback.history.count == 5)

            // 6. A repeat after a lost response is idempotent and consumes no generation.
            let retried = try await tool.rollback(channel: "stable", to: Self.first, expectGeneration: 2,
                                                  reason: "crash on launch")
            #expect(retried.idempotent && retried.pointer.generation == 3)

            // A stale generation is refused with the current pointer.
            do {
                _ = try await tool.promote(channel: "stable", releaseId: Self.second, expectGeneration: 0)
                Issue.record("a stale generation must be refused")
            } catch let error as ReleaseToolError {
                #expect(error.description.contains("generation mismatch"))
                #expect(error.description.contains("channels"))
                #expect(error.pointer?.generation == 3)
                #expect(error.pointer?.releaseId == Self.first)
            }

            // A wrong secret is refused, and the secret never appears in the message.
            let intruder = ReleaseTool(serverURL: server, secret: String(repeating: "x", count: 40))
            do {
                _ = try await intruder.channels(platform: "macos")
                Issue.record("a wrong secret must be refused")
            } catch let error as ReleaseToolError {
                #expect(error.description.contains("401"))
                #expect(error.description.contains("SECRET"))
                #expect(!error.description.contains(String(repeating: "x", count: 40)))
            }
            #expect(!tool.description.contains(Self.secret))

            // 7. The list pages through every release, newest build first.
            let everything = try await tool.list(platform: "macos", limit: 1, all: true)
            #expect(everything.releases.map(\.releaseId) == [Self.second, Self.first])
            #expect(everything.nextCursor == nil)
            let onePage = try await tool.list(limit: 1)
            #expect(onePage.releases.map(\.releaseId) == [Self.second])
            #expect(onePage.nextCursor != nil)
        }
    }

    @Test
    func theFeedChecksFollowTheItemRules() throws {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0" xmlns:sparkle="http://www.andymatuschak.org/xml-namespaces/sparkle">
            <channel>
            <item>
            <sparkle:version>12064</sparkle:version>
            <enclosure url="https://x/a.zip" sparkle:version="12064"/>
            <sparkle:channel>beta</sparkle:channel>
            </item>
            <item>
            <sparkle:version>12063</sparkle:version>
            </item>
            </channel>
            </rss>
            """
        let items = try ReleaseTool.feedItems(xml)
        #expect(items == [FeedItem(build: 12064, channel: "beta"), FeedItem(build: 12063, channel: nil)])

        let checks: [(channel: String, build: Int64)] = [("beta", 12064), ("stable", 12063), ("stable", 12064), ("beta", 12063)]
        var outcomes: [Bool] = []
        for check in checks {
            outcomes.append(Self.passes(ReleaseTool.verify(items, channel: check.channel, build: check.build)))
        }
        #expect(outcomes == [true, true, false, false])

        // A beta item at or below stable must not be there.
        let stale = [FeedItem(build: 12063, channel: nil), FeedItem(build: 12063, channel: "beta")]
        #expect(!Self.passes(ReleaseTool.verify(stale, channel: "stable", build: 12063)))
        // Beta not ahead of stable leaves the beta item out, which is correct after a beta move.
        let covered = [FeedItem(build: 12064, channel: nil)]
        #expect(Self.passes(ReleaseTool.verify(covered, channel: "beta", build: 12063)))
        // Any other channel name is wrong, and so is an empty feed after a move.
        let staging = [FeedItem(build: 12064, channel: "staging")]
        #expect(!Self.passes(ReleaseTool.verify(staging, channel: "beta", build: 12064)))
        #expect(!Self.passes(ReleaseTool.verify([], channel: "stable", build: 12064)))
    }

    @Test
    func signaturesServerURLsAndDigestsAreReadLocally() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let signed = directory.appendingPathComponent("sig.txt")
        try Data(#"sparkle:edSignature="abc+/=" length="81234567""#.utf8).write(to: signed)
        #expect(try ReleaseTool.readSignature(path: signed.path) == "abc+/=")
        let bare = directory.appendingPathComponent("bare.txt")
        try Data("  c2lnbmF0dXJl==\n".utf8).write(to: bare)
        #expect(try ReleaseTool.readSignature(path: bare.path) == "c2lnbmF0dXJl==")

        let small = directory.appendingPathComponent("abc.bin")
        try Data("abc".utf8).write(to: small)
        let digest = try ReleaseTool.digest(ofFileAt: small.path, chunkSize: 2)
        #expect(digest.length == 3)
        #expect(digest.sha256 == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")

        let url = try ReleaseTool.serverURL("https://releases.example.com/")
        #expect(url.absoluteString == "https://releases.example.com")
        #expect(throws: ReleaseToolError.self) { try ReleaseTool.serverURL("ftp://example.com") }
        #expect(throws: ReleaseToolError.self) { try ReleaseTool.digest(ofFileAt: directory.appendingPathComponent("missing").path) }
    }

    // MARK: - helpers

    static func passes(_ outcome: Result<String, FeedProblem>) -> Bool {
        if case .success = outcome { return true }
        return false
    }

    static func register(_ tool: ReleaseTool, _ tag: String, archive: URL) async throws -> Registration {
        try await tool.register(
            tag: tag, archive: archive.path, archiveURL: "https://downloads.example.com/\(tag)/Omi.zip",
            installerURL: "https://downloads.example.com/\(tag)/Omi.dmg", edSignature: "c2lnbmF0dXJl",
            changelog: ["Fixed a crash", "   "], publishedAt: "2026-03-05T11:00:00+01:00")
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omi-release-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func writeArchive(in directory: URL, name: String, count: Int, multiplier: Int, offset: Int,
                             modulus: Int) throws -> URL {
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count { bytes[index] = UInt8((index * multiplier + offset) % modulus) }
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Runs `body` with the base URL of a server on a real loopback socket whose release secret is `secret`.
    static func withServer(_ engine: TestEngine, _ body: @Sendable (URL) async throws -> Void) async throws {
        try await withLiveServer(engine, configure: { $0.releaseSecret = Self.secret }, body)
    }
}
