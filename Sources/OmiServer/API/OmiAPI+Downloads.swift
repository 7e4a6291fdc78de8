import Foundation
import OmiContract
import OmiStorage
import OpenAPIRuntime

/// platform.md §1.2–§1.4: the Sparkle feeds, the landing pages and the legacy download routes. Every answer is
/// computed from the pointer targets and nothing else (U2); stable never falls back to beta (U3).
extension OmiAPI {
    func liveTargets(platform: String) async throws -> LiveTargets {
        try await releaseCache.targets(platform: platform) {
            let (stable, beta) = try await releases.pointers(platform: platform)
            return LiveTargets(stable: stable.target, beta: beta.target)
        }
    }

    func appcast(platform: String) async -> String? {
        guard let targets = try? await liveTargets(platform: platform) else { return nil }
        let stable = targets.stable.flatMap { try? ReleaseManifestRules.manifest(of: $0) }
        let beta = targets.beta.flatMap { try? ReleaseManifestRules.manifest(of: $0) }
        return AppcastFeed.render(AppcastFeed.items(stable: stable, beta: beta))
    }

    static let feedUnavailable = "Desktop update feed is temporarily unavailable"

    func getAppcast(_ input: Operations.GetAppcast.Input) async throws -> Operations.GetAppcast.Output {
        guard let xml = await appcast(platform: input.query.platform?.rawValue ?? "macos") else {
            return .serviceUnavailable(.init(headers: .init(retryAfter: 60), body: .textPlainCharsetUtf8(HTTPBody(Self.feedUnavailable))))
        }
        return .ok(.init(headers: .init(cacheControl: "max-age=300"), body: .applicationXmlCharsetUtf8(HTTPBody(xml))))
    }

    func getLegacyAppcast(_ input: Operations.GetLegacyAppcast.Input) async throws -> Operations.GetLegacyAppcast.Output {
        guard let xml = await appcast(platform: input.query.platform?.rawValue ?? "macos") else {
            return .serviceUnavailable(.init(headers: .init(retryAfter: 60), body: .textPlainCharsetUtf8(HTTPBody(Self.feedUnavailable))))
        }
        return .ok(.init(headers: .init(cacheControl: "max-age=300"), body: .applicationXmlCharsetUtf8(HTTPBody(xml))))
    }

    /// Stable: the stable target only. Beta: the newer of the beta and stable targets, since a beta user may always
    /// run stable.
    func installer(platform: String, channel: String) async throws -> (manifest: Wire.ReleaseManifest, beta: Bool) {
        let targets: LiveTargets
        do { targets = try await liveTargets(platform: platform) } catch {
            throw APIError(.serviceUnavailable, "Release storage is temporarily unavailable")
        }
        var chosen = targets.stable
        var isBeta = false
        if channel == "beta", let beta = targets.beta, beta.buildNumber > (targets.stable?.buildNumber ?? 0) {
            chosen = beta
            isBeta = true
        }
        guard let record = chosen, let manifest = try? ReleaseManifestRules.manifest(of: record) else {
            throw APIError.notFound("No installer found for platform \(platform), channel: \(channel)")
        }
        return (manifest, isBeta)
    }

    func landingPage(platform: String, channel: String) async throws -> HTTPBody {
        let (manifest, beta) = try await installer(platform: platform, channel: channel)
        return HTTPBody(DownloadPage.render(manifest, beta: beta))
    }

    func downloadLatest(_ input: Operations.DownloadLatest.Input) async throws -> Operations.DownloadLatest.Output {
        let page = try await landingPage(platform: input.query.platform?.rawValue ?? "macos",
                                         channel: input.query.channel?.rawValue ?? "stable")
        return .ok(.init(headers: .init(cacheControl: "no-cache", xContentTypeOptions: "nosniff"), body: .textHtmlCharsetUtf8(page)))
    }

    func downloadBeta(_ input: Operations.DownloadBeta.Input) async throws -> Operations.DownloadBeta.Output {
        let page = try await landingPage(platform: input.query.platform?.rawValue ?? "macos", channel: "beta")
        return .ok(.init(headers: .init(cacheControl: "no-cache", xContentTypeOptions: "nosniff"), body: .textHtmlCharsetUtf8(page)))
    }

    func downloadWindows(_ input: Operations.DownloadWindows.Input) async throws -> Operations.DownloadWindows.Output {
        let page = try await landingPage(platform: "windows", channel: input.query.channel?.rawValue ?? "stable")
        return .ok(.init(headers: .init(cacheControl: "no-cache", xContentTypeOptions: "nosniff"), body: .textHtmlCharsetUtf8(page)))
    }

    /// The stable macOS target for the Rust-era routes; 404 "No live releases found" without one.
    func stableMacRelease() async throws -> Wire.ReleaseManifest {
        let targets: LiveTargets
        do { targets = try await liveTargets(platform: "macos") } catch {
            throw APIError(.serviceUnavailable, "Release storage is temporarily unavailable")
        }
        guard let record = targets.stable, let manifest = try? ReleaseManifestRules.manifest(of: record) else {
            throw APIError.notFound("No live releases found")
        }
        return manifest
    }

    func downloadLegacy(_ input: Operations.DownloadLegacy.Input) async throws -> Operations.DownloadLegacy.Output {
        let manifest = try await stableMacRelease()
        return .temporaryRedirect(.init(headers: .init(location: manifest.installerUrl, cacheControl: "no-store")))
    }

    func getLatestUpdate(_ input: Operations.GetLatestUpdate.Input) async throws -> Operations.GetLatestUpdate.Output {
        let m = try await stableMacRelease()
        return .ok(.init(body: .json(.init(version: m.version, buildNumber: Int(m.buildNumber), downloadUrl: m.updateUrl,
                                           isCritical: m.critical))))
    }
}
