import Foundation

/// An absolute `http` or `https` URL with a host: the only links the server stores and serves for people to open
/// (catalogue images, update-banner downloads).
enum HTTPURL {
    static func isValid(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "http" || scheme == "https"
    }
}

extension HTTPURL {
    /// An absolute `https` URL with a host: release archives and installers (platform.md §1.1), so a landing page's
    /// refresh target can never be a script URL.
    static func isHTTPS(_ text: String) -> Bool {
        guard let url = URL(string: text), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}
