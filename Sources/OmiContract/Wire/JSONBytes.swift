import Foundation

/// A JSON text written byte by byte, for the few response shapes that are large and hot enough for Foundation's
/// `JSONEncoder` to dominate a request (a task page: 100 objects of 29 keys, see `PrewrittenJSON`).
///
/// It writes the same JSON values as `JSONEncoder` with the server's configuration (`Configuration.omi`), which
/// `PrewrittenJSONTests` checks on generated data: strings escaped as RFC 8259 requires, dates as
/// `Timestamp.format`, integers in decimal.
///
/// The text is kept in memory of its own rather than an `[UInt8]`: each of an array's appends checked uniqueness and
/// capacity and, for a key, went through the generic `append(contentsOf:)`; keys and dates were 11% of a task list.
/// Here each write checks capacity once and stores bytes. Being noncopyable, the writer owns that memory alone.
public struct JSONBytes: ~Copyable, @unchecked Sendable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    public private(set) var count = 0
    /// Whether the next member of the open object or array needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The text written so far.
    public var bytes: [UInt8] { [UInt8](UnsafeBufferPointer(start: base, count: count)) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    public mutating func beginObject() { separate(); put(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { put(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); put(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { put(UInt8(ascii: "]")); needsComma = true }

    /// The key of the next object member; `key` is a literal of the contract and needs no escaping.
    public mutating func key(_ key: StaticString) {
        let length = key.utf8CodeUnitCount
        var p = room(length + 4)
        if needsComma { p.pointee = UInt8(ascii: ","); p += 1 }
        p.pointee = UInt8(ascii: "\"")
        p += 1
        // Keys are a few bytes long; a loop beats a call to `memmove`.
        let source = key.utf8Start
        for i in 0..<length { p[i] = source[i] }
        p += length
        p[0] = UInt8(ascii: "\"")
        p[1] = UInt8(ascii: ":")
        count = base.distance(to: p + 2)
        needsComma = false
    }

    public mutating func null() { separate(); append("null") }
    public mutating func bool(_ value: Bool) { separate(); append(value ? "true" : "false") }

    public mutating func int(_ value: Int64) {
        separate()
        var p = room(20)
        if value < 0 { p.pointee = UInt8(ascii: "-"); p += 1 }
        count = base.distance(to: Timestamp.writeDigits(value.magnitude, 1, to: p))
    }

    public mutating func date(_ value: Date) {
        separate()
        let p = room(Timestamp.maxFormattedLength + 2)
        p.pointee = UInt8(ascii: "\"")
        let end = Timestamp.writeFormatted(micros: Timestamp.micros(value), to: p + 1)
        end.pointee = UInt8(ascii: "\"")
        count = base.distance(to: end + 1)
    }

    public mutating func string(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { utf8 in
            // Room for the text and its quotes when nothing needs escaping, the common case.
            _ = room(utf8.count + 2)
            put(UInt8(ascii: "\""))
            var start = 0
            for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                put(UnsafeBufferPointer(rebasing: utf8[start..<i]))
                escape(byte)
                start = i + 1
            }
            put(UnsafeBufferPointer(rebasing: utf8[start...]))
            put(UInt8(ascii: "\""))
        }
    }

    public mutating func string(_ value: String?) { if let value { string(value) } else { null() } }
    public mutating func strings(_ values: [String]) { array(values) { $1.string($0) } }

    /// An array of `values`, each written by `write`.
    public mutating func array<Values: Sequence>(_ values: Values, _ write: (Values.Element, inout JSONBytes) -> Void) {
        beginArray()
        for value in values { write(value, &self) }
        endArray()
    }
    public mutating func int(_ value: Int64?) { if let value { int(value) } else { null() } }
    public mutating func date(_ value: Date?) { if let value { date(value) } else { null() } }

    /// Appends JSON that was written by another `JSONBytes` as one value.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        json.withUnsafeBufferPointer { put($0) }
    }

    /// Appends again, as the next value, the value written at `range` (offsets read from `count` around it).
    public mutating func repeatValue(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        separate()
        let p = room(range.count)
        p.update(from: base + range.lowerBound, count: range.count)
        count += range.count
    }

    private mutating func escape(_ byte: UInt8) {
        put(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
        case 0x0A: put(UInt8(ascii: "n"))
        case 0x0D: put(UInt8(ascii: "r"))
        case 0x09: put(UInt8(ascii: "t"))
        case 0x08: put(UInt8(ascii: "b"))
        case 0x0C: put(UInt8(ascii: "f"))
        default:
            let hex: StaticString = "0123456789abcdef"
            append("u00")
            put(hex.utf8Start[Int(byte >> 4)])
            put(hex.utf8Start[Int(byte & 0x0F)])
        }
    }

    private mutating func separate() {
        if needsComma { put(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// Where the next `bytes` bytes go, after making room for them; `count` is the caller's to advance.
    @inline(__always)
    private mutating func room(_ bytes: Int) -> UnsafeMutablePointer<UInt8> {
        if count + bytes > capacity { grow(to: count + bytes) }
        return base + count
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        room(1).pointee = byte
        count += 1
    }

    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        room(bytes.count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    private mutating func append(_ literal: StaticString) {
        put(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
