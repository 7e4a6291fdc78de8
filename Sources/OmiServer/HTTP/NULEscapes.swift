#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Turns each `\u0000` escape of a JSON body into `\ufffd`, in place, before anything decodes it.
///
/// PostgreSQL text cannot hold U+0000 (`PostgresTextDatabase` stores U+FFFD there instead). Rewriting the escape at
/// the door makes both engines store, and every response echo, the same text: without it a created task answered
/// with the NUL that PostgreSQL had just replaced. A raw NUL byte cannot appear in a JSON string, so the escape is
/// the only way one arrives; both escapes are six bytes, so nothing moves.
enum NULEscapes {
    static func replace(in buffer: inout ByteBuffer, contentType: String?) {
        guard let contentType, contentType.utf8.starts(with: "application/json".utf8) else { return }
        let offsets = buffer.withUnsafeReadableBytes(find)
        for offset in offsets {
            buffer.setBytes("fffd".utf8, at: buffer.readerIndex + offset)
        }
    }

    /// Offsets of the four zeros of each `\u0000` that is an escape: one preceded by an odd run of backslashes.
    static func find(in bytes: UnsafeRawBufferPointer) -> [Int] {
        var offsets: [Int] = []
        guard let base = bytes.baseAddress else { return offsets }
        var index = 0
        let count = bytes.count
        // memchr: a screen sync's body is tens of KiB, most of it without a backslash.
        while index < count, let found = memchr(base + index, Int32(UInt8(ascii: "\\")), count - index) {
            let slash = base.distance(to: UnsafeRawPointer(found))
            var end = slash
            while end < count, bytes[end] == UInt8(ascii: "\\") { end += 1 }
            if (end - slash) % 2 == 1, end + 4 < count, bytes[end] == UInt8(ascii: "u"),
               bytes[end + 1] == 0x30, bytes[end + 2] == 0x30, bytes[end + 3] == 0x30, bytes[end + 4] == 0x30 {
                offsets.append(end + 1)
                index = end + 5
            } else {
                index = end
            }
        }
        return offsets
    }
}
