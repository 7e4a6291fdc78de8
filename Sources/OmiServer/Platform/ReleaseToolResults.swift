import Crypto
import Foundation
import OmiContract
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

public struct FileDigest: Sendable, Hashable {
    public var length: Int64
    /// `sha256:<64 lowercase hex digits>`.
    public var sha256: String

    public init(length: Int64, sha256: String) {
        self.length = length
        self.sha256 = sha256
    }
}

/// The answer to `register`: 201 for a new manifest, 200 for an identical repeat.
public struct Registration: Sendable, CustomStringConvertible {
    public var status: Int
    public var idempotent: Bool
    public var releaseId: String
    public var manifestSHA256: String
    public var manifest: Wire.ReleaseManifest
    public var archive: FileDigest

    init(status: Int, registration: Components.Schemas.ReleaseRegistration, archive: FileDigest) {
        self.status = status
        idempotent = registration.idempotent
        releaseId = registration.releaseId
        manifestSHA256 = registration.manifestSha256
        manifest = registration.manifest
        self.archive = archive
    }

    public var description: String {
        let m = manifest
        var lines = [
            idempotent ? "already registered with identical content (idempotent): \(releaseId)"
                       : "registered \(releaseId)",
            "  platform \(m.platform)  version \(m.version)  build \(m.buildNumber)",
            "  archive  \(m.updateLength) bytes  \(m.updateSha256)",
            "  update   \(m.updateUrl)",
            "  installer \(m.installerUrl)" + (m.installerSha256.map { "  \($0)" } ?? ""),
        ]
        var flags: [String] = []
        if m.critical { flags.append("critical") }
        if m.betaOnly { flags.append("beta-only") }
        if !flags.isEmpty { lines.append("  " + flags.joined(separator: ", ")) }
        lines.append("  published \(m.publishedAt)  manifest_sha256 \(manifestSHA256)")
        lines.append("  not live until a pointer targets it: promote it to beta next")
        return lines.joined(separator: "\n")
    }
}

/// Both pointers of a platform and its latest history rows, newest first.
public struct ChannelsReport: Sendable, CustomStringConvertible {
    public var platform: String
    public var stable: Wire.ChannelPointer
    public var beta: Wire.ChannelPointer
    public var history: [Wire.ChannelHistoryEntry]

    public func pointer(_ channel: String) -> Wire.ChannelPointer? {
        switch channel {
        case "stable": return stable
        case "beta": return beta
        default: return nil
        }
    }

    public var description: String {
        var lines = ["platform \(platform)", PointerText.line(stable), PointerText.line(beta)]
        if history.isEmpty {
            lines.append("history: none")
        } else {
            lines.append("history (newest first):")
            for entry in history { lines.append("  " + PointerText.line(entry)) }
        }
        return lines.joined(separator: "\n")
    }
}

/// The answer to `promote` or `rollback`: the pointer as the server left it, the history row of that generation and
/// the feed check that followed.
public struct PointerChangeReport: Sendable, CustomStringConvertible {
    public var operation: String
    public var pointer: Wire.ChannelPointer
    /// True when the pointer already targeted the release: nothing changed (a retry after a lost response).
    public var idempotent: Bool
    public var historyEntry: Wire.ChannelHistoryEntry?
    public var feed: FeedCheck

    public var description: String {
        var lines = [PointerText.line(pointer)]
        if idempotent {
            lines.append("idempotent: the pointer already targeted this release; nothing changed")
        } else {
            lines.append(operation == "rollback" ? "rolled back" : "promoted")
        }
        if let historyEntry { lines.append("history: " + PointerText.line(historyEntry)) }
        lines.append("feed: ok, " + feed.note)
        return lines.joined(separator: "\n")
    }
}

public struct FeedItem: Sendable, Hashable {
    /// `sparkle:version`, the build number.
    public var build: Int64
    /// `sparkle:channel`, nil for an untagged (stable) item.
    public var channel: String?

    public init(build: Int64, channel: String?) {
        self.build = build
        self.channel = channel
    }

    static func render(_ items: [FeedItem]) -> String {
        items.isEmpty ? "none" : items.map { "\($0.channel ?? "untagged") \($0.build)" }.joined(separator: ", ")
    }
}

public struct FeedCheck: Sendable, Hashable {
    public var items: [FeedItem]
    public var note: String
}

public struct FeedProblem: Error, Sendable, Hashable {
    public var message: String

    public init(_ message: String) { self.message = message }
}

/// One page of manifests, or every page with `complete`.
public struct ReleaseListing: Sendable, CustomStringConvertible {
    public var releases: [Wire.ReleaseManifest]
    public var nextCursor: String?
    public var complete: Bool

    public var description: String {
        var lines: [String] = []
        for m in releases {
            var line = "\(m.releaseId)  \(m.platform)  version \(m.version)  build \(m.buildNumber)"
            line += "  \(m.updateLength) bytes  published \(m.publishedAt)"
            if m.betaOnly { line += "  beta-only" }
            if m.critical { line += "  critical" }
            lines.append(line)
        }
        if releases.isEmpty { lines.append("no releases") }
        if !complete, nextCursor != nil { lines.append("more releases follow; rerun with --all to list every page") }
        return lines.joined(separator: "\n")
    }
}

enum PointerText {
    /// `stable  v0.12.64+12064-macos  build 12064  generation 3  2026-11-26T10:00:00.000Z`.
    static func line(_ p: Wire.ChannelPointer) -> String {
        let name = p.channel.padding(toLength: 6, withPad: " ", startingAt: 0)
        guard let release = p.releaseId else { return "\(name)  (unset)  generation \(p.generation)" }
        var line = "\(name)  \(release)"
        if let build = p.buildNumber { line += "  build \(build)" }
        line += "  generation \(p.generation)"
        if let at = p.updatedAt { line += "  \(at)" }
        return line
    }

    /// `2026-11-26T10:00:00.000Z  stable  generation 3  rollback  v0.12.63+12063-macos  (was …)  by ci  reason "…"`.
    static func line(_ e: Wire.ChannelHistoryEntry) -> String {
        var line = "\(e.at)  \(e.channel.padding(toLength: 6, withPad: " ", startingAt: 0))  generation \(e.generation)"
        line += "  \(e.operation)  \(e.releaseId)"
        if let previous = e.previousReleaseId { line += "  (was \(previous))" }
        if let actor = e.actor { line += "  by \(actor)" }
        if let reason = e.reason { line += "  reason \(reason.debugDescription)" }
        return line
    }
}
