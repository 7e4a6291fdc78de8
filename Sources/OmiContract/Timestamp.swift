import Foundation
import OpenAPIRuntime

/// Instants on the wire and in storage (conventions.md §7).
///
/// Emitted as UTC with six fractional digits and `Z`; accepted as RFC 3339 / ISO-8601 with `Z`, `±hh:mm`, `±hhmm` or
/// `±hh`, a `T` or a space, 0–9 fractional digits (beyond microseconds dropped), and naive values read as UTC.
/// Stored as integer microseconds since the epoch, so the round trip is exact.
public enum Timestamp {
    public static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
    public static func date(micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    public static func format(micros: Int64) -> String {
        String(unsafeUninitializedCapacity: maxFormattedLength) { buffer in
            writeFormatted(micros: micros, to: buffer.baseAddress!) - buffer.baseAddress!
        }
    }

    /// The most bytes `writeFormatted` writes: a sign, six digits of year (Int64 microseconds reach year 294,247)
    /// and the 23 bytes from the first dash to `Z`.
    public static let maxFormattedLength = 30

    /// Writes `format(micros:)`'s text at `start`, which has room for `maxFormattedLength` bytes, and returns the end.
    /// List responses write hundreds of these per request, so they go straight to memory.
    public static func writeFormatted(micros: Int64, to start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let (days, inDay) = floorDivMod(micros, 86_400_000_000)
        let (y, m, d) = civil(fromDays: days)
        let seconds = inDay / 1_000_000
        var p = start
        if y < 0 { p.pointee = UInt8(ascii: "-"); p += 1 }
        p = writeDigits(y.magnitude, 4, to: p)
        p = writeTwo(UInt64(m), after: UInt8(ascii: "-"), to: p)
        p = writeTwo(UInt64(d), after: UInt8(ascii: "-"), to: p)
        p = writeTwo(UInt64(seconds / 3600), after: UInt8(ascii: "T"), to: p)
        p = writeTwo(UInt64(seconds / 60 % 60), after: UInt8(ascii: ":"), to: p)
        p = writeTwo(UInt64(seconds % 60), after: UInt8(ascii: ":"), to: p)
        p.pointee = UInt8(ascii: ".")
        p = writeDigits(UInt64(inDay % 1_000_000), 6, to: p + 1)
        p.pointee = UInt8(ascii: "Z")
        return p + 1
    }

    /// `separator` then a value below 100 as two digits.
    private static func writeTwo(_ value: UInt64, after separator: UInt8, to p: UnsafeMutablePointer<UInt8>)
        -> UnsafeMutablePointer<UInt8> {
        p[0] = separator
        p[1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10)
        p[2] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
        return p + 3
    }

    /// Decimal digits of a non-negative value, zero-padded to at least `width` (at most 20), written at `p`, which has
    /// room for them; returns the end.
    public static func writeDigits(_ value: UInt64, _ width: Int, to p: UnsafeMutablePointer<UInt8>)
        -> UnsafeMutablePointer<UInt8> {
        var count = 1
        var rest = value / 10
        while rest > 0 { count += 1; rest /= 10 }
        count = max(count, width)
        var v = value
        for i in stride(from: count - 1, through: 0, by: -1) {
            p[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        }
        return p + count
    }

    public static func format(_ date: Date) -> String { format(micros: micros(date)) }

    /// Cut toward the past to whole milliseconds (never rounded).
    public static func truncatedToMilliseconds(_ micros: Int64) -> Int64 {
        micros - ((micros % 1000) + 1000) % 1000
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the instant cut to milliseconds.
    public static func formatMilliseconds(micros: Int64) -> String {
        String(format(micros: truncatedToMilliseconds(micros)).dropLast(4)) + "Z"
    }

    /// Parses an instant in any accepted form; nil for anything else.
    public static func parseMicros(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in i..<(i + n) {
                guard b[k] >= 48, b[k] <= 57 else { return nil }
                v = v * 10 + Int64(b[k] - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2) else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }
        i += 1
        guard let h = digits(2), expect(58), let mi = digits(2) else { return nil }
        var s: Int64 = 0
        if expect(58) { guard let v = digits(2) else { return nil }; s = v }
        var fraction: Int64 = 0
        if i < b.count, b[i] == 46 || b[i] == 44 {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if count < 6 { fraction = fraction * 10 + Int64(b[i] - 48) }
                count += 1
                i += 1
            }
            guard (1...9).contains(count) else { return nil }
            for _ in 0..<max(0, 6 - count) { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if i < b.count {
            if b[i] == 90 || b[i] == 122 {
                i += 1
            } else if b[i] == 43 || b[i] == 45 {
                let sign: Int64 = b[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                var om: Int64 = 0
                if expect(58) { guard let v = digits(2) else { return nil }; om = v }
                else if i < b.count { guard let v = digits(2) else { return nil }; om = v }
                guard oh <= 23, om <= 59 else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        guard let days = days(year: y, month: mo, day: d), h <= 23, mi <= 59, s <= 59 else { return nil }
        let secs = days * 86_400 + h * 3600 + mi * 60 + s - offsetSeconds
        return secs * 1_000_000 + fraction
    }

    public static func parse(_ text: String) -> Date? { parseMicros(text).map { date(micros: $0) } }

    /// Days since 1970-01-01 of a real calendar date, or nil (`2026-02-30`).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64? {
        guard (1...12).contains(month), day >= 1 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= lengths[Int(month - 1)] else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }

    /// Division rounded toward the past, for positive `b`; no step can overflow, down to `Int64.min`.
    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}

/// The date transcoder the generated server and client use, so both read and write the forms above.
public struct OmiDateTranscoder: DateTranscoder {
    public init() {}
    public func encode(_ date: Date) throws -> String { Timestamp.format(date) }
    public func decode(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else { throw InvalidDateTime(text: text) }
        return date
    }
}

/// A date-time text that does not parse. The runtime hands a transcoder the text alone, without the key it came
/// from, so the error carries the text and the server looks for it in the request to name the field.
public struct InvalidDateTime: Error, Sendable, CustomStringConvertible {
    public let text: String
    public var description: String { "Invalid datetime" }
}

extension Configuration {
    /// The runtime configuration shared by the server and the client library.
    public static var omi: Configuration { Configuration(dateTranscoder: OmiDateTranscoder(), jsonEncodingOptions: []) }
}
