import Foundation

/// Reads a request body's JSON text before `JSONDecoder` has seen it, for a type that decodes its body faster than
/// `Codable` can (see `RequestBodyBytes`).
///
/// It checks the whole text as strictly as RFC 8259 does, values it skips included, and never guesses: anything that
/// is not well formed, and anything it does not read exactly as `JSONDecoder` would (a number with a fraction or an
/// exponent where an integer is read, a lone surrogate, an escaped key, nesting deeper than `maximumDepth`), throws
/// `Unsupported`, and the body goes to `JSONDecoder` as it is, which gives the usual value or the usual error.
struct JSONReader: ~Copyable {
    struct Unsupported: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The value `read` makes of the whole of `bytes`; nil when it throws, returns nil, or leaves more than
    /// whitespace after the value.
    static func whole<T>(_ bytes: UnsafeRawBufferPointer, _ read: (inout JSONReader) throws -> T?) -> T? {
        var reader = JSONReader(bytes.assumingMemoryBound(to: UInt8.self))
        guard let value = try? read(&reader), reader.atEnd() else { return nil }
        return value
    }

    private var current: UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 {
            at += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard current == byte else { throw Unsupported() }
        at += 1
    }

    /// Deeper values are left to `JSONDecoder`, which has its own limit; no body the server reads nests beyond 3.
    static let maximumDepth = 32

    /// True, and consumes it, when the next value is `null`.
    mutating func null() -> Bool {
        skipSpace()
        return literal("null")
    }

    /// Consumes `word` when the text continues with it.
    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count,
              word.withUTF8Buffer({ $0.elementsEqual(UnsafeBufferPointer(rebasing: bytes[at..<(at + count)])) })
        else { return false }
        at += count
        return true
    }

    /// An object's key as it is written; a key with an escape is unsupported (no key the server reads needs one).
    struct Key {
        let bytes: UnsafeBufferPointer<UInt8>

        /// Compared with `memcmp` once the lengths agree: the generic `elementsEqual` was 0.7% of a screen sync.
        static func ~= (name: StaticString, key: Key) -> Bool {
            guard name.utf8CodeUnitCount == key.bytes.count else { return false }
            guard let bytes = key.bytes.baseAddress else { return true }
            return memcmp(name.utf8Start, bytes, key.bytes.count) == 0
        }
    }

    /// Calls `body` with each key of an object, positioned at its value; `body` must read or skip that value. A key
    /// written twice counts the first time, as in `JSONDecoder`: `body` skips a known key it has already read.
    mutating func object(_ body: (inout JSONReader, Key) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if current == UInt8(ascii: "}") { at += 1; return }
        while true {
            try expect(UInt8(ascii: "\""))
            let start = at
            var ascii = true
            while let byte = current, byte != UInt8(ascii: "\"") {
                guard byte != UInt8(ascii: "\\"), byte >= 0x20 else { throw Unsupported() }
                ascii = ascii && byte < 0x80
                at += 1
            }
            let key = Key(bytes: UnsafeBufferPointer(rebasing: bytes[start..<at]))
            // `JSONDecoder` refuses a body whose key is not UTF-8 or holds a control character, even a key nobody
            // reads; every key the server reads is ASCII, so only another key needs the UTF-8 check.
            if !ascii { _ = try Self.validated(key.bytes) }
            at += 1
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            skipSpace()
            guard let next = current else { throw Unsupported() }
            at += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw Unsupported() }
        }
    }

    /// Calls `body` for each element of an array, positioned at it.
    mutating func array(_ body: (inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        skipSpace()
        if current == UInt8(ascii: "]") { at += 1; return }
        while true {
            try body(&self)
            skipSpace()
            guard let next = current else { throw Unsupported() }
            at += 1
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else { throw Unsupported() }
        }
    }

    mutating func bool() throws -> Bool {
        skipSpace()
        if literal("true") { return true }
        if literal("false") { return false }
        throw Unsupported()
    }

    /// An integer written as plain digits; a fraction, an exponent or an overflow is unsupported.
    mutating func int64() throws -> Int64 {
        skipSpace()
        let negative = current == UInt8(ascii: "-")
        if negative { at += 1 }
        var value: Int64 = 0
        var digits = 0
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times.subtractingReportingOverflow(Int64(byte - 48))
                                      : times.addingReportingOverflow(Int64(byte - 48))
            guard !o1, !o2 else { throw Unsupported() }
            value = next
            digits += 1
            at += 1
        }
        guard digits > 0, current.map({ $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") })
                ?? true else { throw Unsupported() }
        // A leading zero (`01`) is not JSON.
        guard digits == 1 || bytes[at - digits] != UInt8(ascii: "0") else { throw Unsupported() }
        return value
    }

    mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = at
        // The common case: no escape, so the bytes are the string. ASCII is skimmed eight bytes at a time (byte by
        // byte, strings were half of reading a screen sync); the loop below takes the rest.
        at = JSONPlainRun.end(in: UnsafeRawBufferPointer(bytes), from: at, asciiOnly: true)
        var ascii = true
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw Unsupported() }
            ascii = ascii && byte < 0x80
            at += 1
        }
        guard let stop = current else { throw Unsupported() }
        if stop == UInt8(ascii: "\"") {
            at += 1
            let text = UnsafeBufferPointer(rebasing: bytes[start..<(at - 1)])
            // ASCII is valid UTF-8 as it stands, and `String(decoding:as: UTF8.self)` has a path for it that
            // `String(validating:as:)` lacks: that one looked up generic metadata on every call (2% of a sync).
            return ascii ? String(decoding: text, as: UTF8.self) : try Self.validated(text)
        }
        var unescaped = Array(bytes[start..<at])
        while let byte = current {
            at += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try unescaped.withUnsafeBufferPointer { try Self.validated($0) }
            case UInt8(ascii: "\\"):
                guard let escape = current else { throw Unsupported() }
                at += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"): unescaped.append(contentsOf: try unicodeEscape())
                default: throw Unsupported()
                }
            default:
                guard byte >= 0x20 else { throw Unsupported() }
                unescaped.append(byte)
            }
        }
        throw Unsupported()
    }

    /// The UTF-8 of a `\uXXXX` escape (the `\u` already read), joining a surrogate pair; a lone surrogate is
    /// unsupported.
    private mutating func unicodeEscape() throws -> [UInt8] {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard at + 6 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                throw Unsupported()
            }
            at += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw Unsupported() }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw Unsupported()
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw Unsupported() }
        return Array(String(Character(unicode)).utf8)
    }

    private mutating func hex4() throws -> UInt32 {
        guard at + 4 <= bytes.count else { throw Unsupported() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[at]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Unsupported()
            }
            value = value << 4 | UInt32(digit)
            at += 1
        }
        return value
    }

    /// `JSONDecoder` has already refused invalid UTF-8; checking again is part of making the string. (Comparing a
    /// decoded string with its bytes, as before, went through `String.UTF8View` a byte at a time: 4% of a sync.)
    private static func validated(_ utf8: UnsafeBufferPointer<UInt8>) throws -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw Unsupported() }
        return text
    }

    /// Steps over one value of any kind, checking it as strictly as a value that is read.
    mutating func skip() throws { try skip(depth: 1) }

    private mutating func skip(depth: Int) throws {
        guard depth <= Self.maximumDepth else { throw Unsupported() }
        skipSpace()
        switch current {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"): try object { reader, _ in try reader.skip(depth: depth + 1) }
        case UInt8(ascii: "["): try array { reader in try reader.skip(depth: depth + 1) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"): guard null() else { throw Unsupported() }
        default: try number()
        }
    }

    /// Steps over a number of any form: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. What follows it is
    /// checked by the object or array around it.
    private mutating func number() throws {
        if current == UInt8(ascii: "-") { at += 1 }
        if current == UInt8(ascii: "0") {
            at += 1
        } else {
            guard digits() > 0 else { throw Unsupported() }
        }
        if current == UInt8(ascii: ".") {
            at += 1
            guard digits() > 0 else { throw Unsupported() }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            at += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
            guard digits() > 0 else { throw Unsupported() }
        }
    }

    private mutating func digits() -> Int {
        let start = at
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { at += 1 }
        return at - start
    }

    /// Whether only whitespace is left.
    mutating func atEnd() -> Bool {
        skipSpace()
        return at == bytes.count
    }
}
