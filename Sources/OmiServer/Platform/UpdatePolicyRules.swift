import Foundation
import OmiContract

/// Reading and writing the update-banner policy (platform.md §1.5).
enum UpdatePolicyRules {
    static let severities: Set<String> = ["none", "banner", "required"]

    /// The stored record made safe to serve: blank strings are null, an unknown severity is `none`, a non-http(s)
    /// URL is the default, and the legacy `minimum_build_number` stands in for a missing maximum.
    static func normalise(_ stored: Wire.JSONValue, defaultURL: String) -> Wire.UpdatePolicy {
        guard case .object(let o) = stored else { return Wire.UpdatePolicy(downloadUrl: defaultURL) }
        func text(_ key: String) -> String? {
            guard case .string(let s)? = o[key], !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
            return s
        }
        func integer(_ key: String) -> Int64? { if case .int(let i)? = o[key] { i } else { nil } }
        func flag(_ key: String) -> Bool? { if case .bool(let b)? = o[key] { b } else { nil } }
        var p = Wire.UpdatePolicy(downloadUrl: text("download_url").flatMap { HTTPURL.isValid($0) ? $0 : nil } ?? defaultURL)
        p.id = text("id") ?? "current"
        p.active = flag("active") ?? false
        p.severity = text("severity").flatMap { severities.contains($0) ? $0 : nil } ?? "none"
        p.maximumBuildNumber = integer("maximum_build_number") ?? integer("minimum_build_number")
        p.latestBuildNumber = integer("latest_build_number")
        p.title = text("title")
        p.message = text("message")
        p.ctaText = text("cta_text") ?? p.ctaText
        p.canDismiss = flag("can_dismiss") ?? true
        if case .array(let values)? = o["platforms"] {
            p.platforms = values.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        return p
    }

    /// Whether this client on this platform sees the policy, or the default inactive one.
    static func applies(_ p: Wire.UpdatePolicy, platform: String, currentBuild: Int?) -> Bool {
        guard p.active else { return false }
        if !p.platforms.isEmpty && !p.platforms.contains(platform) { return false }
        if let build = currentBuild, let maximum = p.maximumBuildNumber, Int64(build) > maximum { return false }
        return true
    }
}
