import OmiContract

/// Where, and why, Python's `json.loads` gives up on a body, for the 422 of malformed JSON: FastAPI answers
/// `loc: ["body", <character offset>]` with the parser's message in `ctx.error` (conventions.md §5.2). Foundation's
/// decoder reports no position, and takes a trailing comma that Python refuses, so a JSON body no reader has taken is
/// scanned here before the generated code decodes it (`RecordingTransport`).
///
/// The rules are those of CPython's C scanner as of Python 3.11 and 3.12: a value expected where none starts, a
/// missing `:` or `,`, a key that is not a string (a trailing comma in an object included), an unterminated string, a
/// raw control character or a bad escape inside one, and extra data after the value. Python also takes `NaN` and
/// `Infinity`, so those are not errors here either. Offsets count characters (Unicode scalars), as Python's do, and
/// start after a UTF-8 byte order mark, which Python drops from a byte body. The scan keeps its own stack of open
/// containers, so a hostile body nested a million levels deep costs memory for the stack, not the thread's stack.
enum MalformedJSON {
    struct Failure: Equatable, Sendable {
        /// Python's message, e.g. `Expecting ',' delimiter`.
        var message: String
        /// Characters before the place Python names.
        var offset: Int

        var validationError: ValidationError {
            ValidationError(type: "json_invalid", loc: ["body", .index(offset)], msg: "JSON decode error",
                            ctx: ["error": .string(message)])
        }
    }

    /// A body no JSON decoder takes, handed to the generated code in place of one that Python's parser refused.
    static let undecodable: [UInt8] = [0x00]

    /// The first error Python would report in `body`, or nil when Python would parse it.
    static func failure(in body: UnsafeRawBufferPointer) -> Failure? {
        var scan = Scan(bytes: body)
        guard let (message, at) = scan.run() else { return nil }
        return Failure(message: message, offset: scan.characters(before: at))
    }

    private struct Scan {
        let bytes: UnsafeRawBufferPointer
        var start = 0
        var i = 0
        /// The containers open around the current position: `{` or `[`.
        var open: [UInt8] = []

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
            i = start
        }

        var n: Int { bytes.count }

        func at(_ index: Int) -> UInt8? { index < n ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let c = at(i), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
        }

        /// Unicode scalars between the start of the text and `index`: every byte that does not continue a sequence.
        func characters(before index: Int) -> Int {
            var count = 0
            for k in start..<min(index, n) where bytes[k] & 0xC0 != 0x80 { count += 1 }
            return count
        }

        mutating func run() -> (String, Int)? {
            skipWhitespace()
            var expectingValue = true
            while true {
                if expectingValue {
                    switch value() {
                    case .failed(let message, let at): return (message, at)
                    case .opened: continue
                    case .read: expectingValue = false
                    }
                    continue
                }
                guard let container = open.last else {
                    skipWhitespace()
                    return i == n ? nil : ("Extra data", i)
                }
                skipWhitespace()
                let close: UInt8 = container == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if at(i) == close {
                    i += 1
                    open.removeLast()
                    continue
                }
                guard at(i) == UInt8(ascii: ",") else { return ("Expecting ',' delimiter", i) }
                i += 1
                skipWhitespace()
                if container == UInt8(ascii: "{"), let error = key() { return error }
                expectingValue = true
            }
        }

        enum Step {
            /// A whole value was read.
            case read
            /// A container was opened and its first value comes next.
            case opened
            case failed(String, Int)
        }

        /// One value at `i`, or the opening of a container whose first value comes next: containers are never
        /// descended into by recursion.
        mutating func value() -> Step {
            guard let c = at(i) else { return .failed("Expecting value", i) }
            switch c {
            case UInt8(ascii: "\""):
                return string().map { .failed($0.0, $0.1) } ?? .read
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                i += 1
                skipWhitespace()
                if at(i) == close {
                    i += 1
                    return .read
                }
                open.append(c)
                if c == UInt8(ascii: "{"), let (message, at) = key() { return .failed(message, at) }
                return .opened
            default:
                if let literal = Self.literal(startingWith: c, next: at(i + 1)), matches(literal) {
                    i += literal.utf8CodeUnitCount
                    return .read
                }
                return number() ? .read : .failed("Expecting value", i)
            }
        }

        /// The one literal a value starting with `c` (then `next`) can be.
        static func literal(startingWith c: UInt8, next: UInt8?) -> StaticString? {
            switch c {
            case UInt8(ascii: "n"): "null"
            case UInt8(ascii: "t"): "true"
            case UInt8(ascii: "f"): "false"
            case UInt8(ascii: "N"): "NaN"
            case UInt8(ascii: "I"): "Infinity"
            case UInt8(ascii: "-") where next == UInt8(ascii: "I"): "-Infinity"
            default: nil
            }
        }

        func matches(_ literal: StaticString) -> Bool {
            guard i + literal.utf8CodeUnitCount <= n else { return false }
            return (0..<literal.utf8CodeUnitCount).allSatisfy { bytes[i + $0] == literal.utf8Start[$0] }
        }

        /// A key, its colon and the whitespace before its value.
        mutating func key() -> (String, Int)? {
            guard at(i) == UInt8(ascii: "\"") else { return ("Expecting property name enclosed in double quotes", i) }
            if let error = string() { return error }
            skipWhitespace()
            guard at(i) == UInt8(ascii: ":") else { return ("Expecting ':' delimiter", i) }
            i += 1
            skipWhitespace()
            return nil
        }

        /// Python's number grammar: a fraction or exponent without digits is left for the next token to trip on.
        mutating func number() -> Bool {
            var k = i
            if at(k) == UInt8(ascii: "-") { k += 1 }
            guard let first = at(k), isDigit(first) else { return false }
            k += 1
            if first != UInt8(ascii: "0") { while let d = at(k), isDigit(d) { k += 1 } }
            if at(k) == UInt8(ascii: "."), let d = at(k + 1), isDigit(d) {
                k += 2
                while let d = at(k), isDigit(d) { k += 1 }
            }
            if let e = at(k), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
                var m = k + 1
                if let sign = at(m), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { m += 1 }
                if let d = at(m), isDigit(d) {
                    while let d = at(m), isDigit(d) { m += 1 }
                    k = m
                }
            }
            i = k
            return true
        }

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        func isHex(_ c: UInt8) -> Bool {
            isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "f"))
        }

        /// A string from its opening quote at `i`.
        mutating func string() -> (String, Int)? {
            let begin = i
            var k = i + 1
            while true {
                k = JSONPlainRun.end(in: bytes, from: k)
                guard let c = at(k) else { return ("Unterminated string starting at", begin) }
                if c == UInt8(ascii: "\"") {
                    i = k + 1
                    return nil
                }
                if c < 0x20 { return ("Invalid control character at", k) }
                guard c == UInt8(ascii: "\\") else {
                    k += 1
                    continue
                }
                guard let escape = at(k + 1) else { return ("Unterminated string starting at", begin) }
                if escape != UInt8(ascii: "u") {
                    guard "\"\\/bfnrt".utf8.contains(escape) else { return ("Invalid \\escape", k) }
                    k += 2
                    continue
                }
                // The four digits must leave room for more (CPython's own bound), then be hexadecimal.
                guard k + 6 < n, (k + 2..<k + 6).allSatisfy({ isHex(bytes[$0]) }) else {
                    return ("Invalid \\uXXXX escape", k + 1)
                }
                k += 6
            }
        }
    }
}
