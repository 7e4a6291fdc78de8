import Crypto
import Foundation
import NIOCore
import OmiStorage

/// The names and values of a new record (platform.md §2.1).
enum AgentVMIdentity {
    /// The first 20 lowercase hex characters of SHA-256(uid): stable per user, and it does not reveal the uid.
    static func uidHash(_ uid: String) -> String {
        String(SHA256.hash(data: Data(uid.utf8)).map { String(format: "%02x", $0) }.joined().prefix(20))
    }

    static func vmName(uid: String) -> String { "omi-agent-" + uidHash(uid) }

    /// `omi-` and a lowercase UUID v4 drawn from the system's secure random source (`RandomUUID`).
    static func newAuthToken() -> String { "omi-" + RandomUUID.lowercased() }

    /// A literal IPv4 or IPv6 address; anything else (empty, `unknown`, a host name) is not usable.
    static func usableIP(_ text: String?) -> String? {
        guard let text, !text.isEmpty, (try? SocketAddress(ipAddress: text, port: 0)) != nil else { return nil }
        return text
    }
}
