import Foundation

/// An absolute `http` or `https` URL with a host: the only links the server stores and serves for people to open
/// (catalogue images, update-banner downloads).
enum HTTPURL {
    static func isValid(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "http" || scheme == "https"
    }
}
