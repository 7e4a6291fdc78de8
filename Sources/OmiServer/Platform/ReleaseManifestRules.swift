import Crypto
import Foundation
import OmiContract
import OmiStorage

/// Checking a manifest and computing its canonical form (platform.md §1.1).
enum ReleaseManifestRules {
    typealias Input = Components.Schemas.ReleaseManifestInput

    /// `v{major}.{minor}[.{patch}]+{build}-{platform}`.
    static func parseTag(_ tag: String) -> (version: String, build: Int64, platform: String)? {
        guard tag.count <= 64,
              let m = tag.wholeMatch(of: /v(\d+)\.(\d+)(?:\.(\d+))?\+([1-9]\d*)-(macos|windows|linux)/),
              let build = Int64(m.output.4), build <= Int64(Int32.max)
        else { return nil }
        let version = [m.output.1, m.output.2, m.output.3].compactMap { $0.map(String.init) }.joined(separator: ".")
        return (version, build, String(m.output.5))
    }

    static func isSHA256(_ text: String) -> Bool { text.wholeMatch(of: /sha256:[0-9a-f]{64}/) != nil }

    /// The manifest the input describes, defaults applied, or every problem at once as one 422.
    /// `storedPublishedAt` stands in for an omitted `published_at` when the id is already registered, so repeating
    /// a registration without it stays identical instead of taking a new registration time.
    static func manifest(from input: Input, now: Int64, storedPublishedAt: String?) throws -> Wire.ReleaseManifest {
        var v = Validator()
        let platform = input.platform.rawValue
        if let tag = parseTag(input.releaseId) {
            if tag.platform != platform { v.fail("value_error", "Value error, release_id platform does not match platform", at: ["body", "platform"]) }
            if tag.version != input.version { v.fail("value_error", "Value error, release_id version does not match version", at: ["body", "version"]) }
            if tag.build != Int64(input.buildNumber) {
                v.fail("value_error", "Value error, release_id build does not match build_number", at: ["body", "build_number"])
            }
        } else {
            v.pattern(input.releaseId, { _ in false },
                      description: #"^v(\d+)\.(\d+)(?:\.(\d+))?\+([1-9]\d*)-(macos|windows|linux)$"#, at: ["body", "release_id"])
        }
        v.length(input.releaseId, max: 64, at: ["body", "release_id"])
        v.pattern(input.version, { $0.wholeMatch(of: /\d+\.\d+(\.\d+)?/) != nil }, description: #"^\d+\.\d+(\.\d+)?$"#,
                  at: ["body", "version"])
        v.range(input.buildNumber, 1...Int(Int32.max), at: ["body", "build_number"])
        checkURL(input.updateUrl, at: "update_url", &v)
        v.range(input.updateLength, 1...Int.max, at: ["body", "update_length"])
        v.pattern(input.updateSha256, isSHA256, description: "^sha256:[0-9a-f]{64}$",
                  at: ["body", "update_sha256"])
        let signature = input.edSignature.flatMap { $0.isEmpty ? nil : $0 }
        if platform == "macos" && signature == nil {
            v.fail("missing", "Field required for macos releases", at: ["body", "ed_signature"])
        }
        v.length(signature, min: 1, max: 200, at: ["body", "ed_signature"])
        checkURL(input.installerUrl, at: "installer_url", &v)
        v.pattern(input.installerSha256, isSHA256, description: "^sha256:[0-9a-f]{64}$",
                  at: ["body", "installer_sha256"])
        v.pattern(input.minimumSystemVersion, { $0.wholeMatch(of: /\d+(\.\d+){0,2}/) != nil },
                  description: #"^\d+(\.\d+){0,2}$"#, at: ["body", "minimum_system_version"])
        let changelog = (input.changelog ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        v.count(input.changelog, max: 50, at: ["body", "changelog"])
        for (index, item) in changelog.enumerated() { v.length(item, max: 500, at: ["body", "changelog", .index(index)]) }
        if let notes = input.releaseNotesUrl { checkURL(notes, at: "release_notes_url", &v) }
        v.pattern(input.sourceSha, { $0.wholeMatch(of: /[0-9a-f]{40}/) != nil }, description: "^[0-9a-f]{40}$",
                  at: ["body", "source_sha"])
        var published: Int64?
        if let text = input.publishedAt {
            published = hasZone(text) ? Timestamp.parseMicros(text) : nil
            if published == nil {
                v.fail("datetime_parsing", "Input should be an ISO-8601 datetime with an offset", at: ["body", "published_at"],
                       input: Validator.echo(text))
            }
        }
        try v.check()
        var m = Wire.ReleaseManifest(
            releaseId: input.releaseId, platform: platform, version: input.version, buildNumber: Int64(input.buildNumber),
            updateUrl: input.updateUrl, updateLength: Int64(input.updateLength), updateSha256: input.updateSha256,
            installerUrl: input.installerUrl,
            publishedAt: published.map { Timestamp.formatMilliseconds(micros: $0) }
                ?? storedPublishedAt ?? Timestamp.formatMilliseconds(micros: now))
        m.edSignature = signature
        m.installerSha256 = input.installerSha256
        m.minimumSystemVersion = input.minimumSystemVersion
        m.critical = input.critical ?? false
        m.betaOnly = input.betaOnly ?? false
        m.changelog = changelog.filter { !$0.isEmpty }
        m.releaseNotesUrl = input.releaseNotesUrl
        m.sourceSha = input.sourceSha
        return m
    }

    static func checkURL(_ value: String, at field: String, _ v: inout Validator) {
        v.length(value, max: 2048, at: ["body", .key(field)])
        v.pattern(value, HTTPURL.isHTTPS, description: "an absolute https URL", at: ["body", .key(field)])
    }

    static func hasZone(_ text: String) -> Bool {
        text.hasSuffix("Z") || text.hasSuffix("z") || text.wholeMatch(of: /.*T.*[+-]\d\d:?\d\d/) != nil
    }

    /// Every field but `created_at`, keys sorted, no insignificant whitespace, slashes and non-ASCII unescaped.
    static func canonicalJSON(_ manifest: Wire.ReleaseManifest) -> String {
        var content = manifest
        content.createdAt = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a value of only strings, integers, booleans and arrays of them cannot fail.
        return String(decoding: (try? encoder.encode(content)) ?? Data(), as: UTF8.self)
    }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func record(_ manifest: Wire.ReleaseManifest, now: Int64) -> ReleaseRecord {
        let canonical = canonicalJSON(manifest)
        return ReleaseRecord(releaseId: manifest.releaseId, platform: manifest.platform, buildNumber: manifest.buildNumber,
                             manifest: canonical, manifestSHA256: sha256Hex(canonical), createdAt: now)
    }

    /// The stored manifest with its server-set `created_at`.
    static func manifest(of record: ReleaseRecord) throws -> Wire.ReleaseManifest {
        var manifest = try JSONDecoder().decode(Wire.ReleaseManifest.self, from: Data(record.manifest.utf8))
        manifest.createdAt = Timestamp.formatMilliseconds(micros: record.createdAt)
        return manifest
    }
}
