import Crypto
import Foundation

/// Name-based ids (RFC 4122 version 5 in the URL namespace), so retries and re-reads derive the same id.
enum ConversationIds {
    static let urlNamespace: [UInt8] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                        0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]

    static func uuid5(_ name: String) -> String {
        var bytes = Array(Insecure.SHA1.hash(data: urlNamespace + Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
                     hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// knowledge.md §1.1.4: a segment stored without an id gets one from its conversation and position.
    static func segment(conversationId: String, index: Int) -> String {
        uuid5("omi/conversations/\(conversationId)/transcript-segments/\(index)")
    }

    /// knowledge.md §3.14: retries of one client session land on one conversation.
    static func fromSegments(uid: String, sessionId: String) -> String {
        uuid5("omi/from-segments/\(uid)/\(sessionId)")
    }
}
