/// The stretch of a JSON string's content that needs no look: no quote, backslash or control character. Most of a
/// request body is string content (a screen sync is mostly window titles and recognised text), so it is skimmed eight
/// bytes at a time. Both readers of request bodies use it: `JSONReader`, which decodes the hot bodies, and the server's
/// malformed-JSON scan.
public enum JSONPlainRun {
    /// The end of the run from `start`; with `asciiOnly`, the run also stops at the first byte of 0x80 or more.
    public static func end(in bytes: UnsafeRawBufferPointer, from start: Int, asciiOnly: Bool = false) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        /// Whether any byte of `word` is below `limit` (at most 0x80).
        func anyBelow(_ word: UInt64, _ limit: UInt64) -> Bool { (word &- ones &* limit) & ~word & highs != 0 }
        let stopHighs = asciiOnly ? highs : 0
        var k = start
        while k + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            if word & stopHighs != 0 || anyBelow(word, 0x20) || anyBelow(word ^ (ones &* 0x22), 1)
                || anyBelow(word ^ (ones &* 0x5C), 1) { break }
            k += 8
        }
        while k < bytes.count {
            let c = bytes[k]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || (asciiOnly && c >= 0x80) { break }
            k += 1
        }
        return k
    }
}
