import Foundation
import OmiContract

/// Day windows and rounding of the completion scores (tasks.md §3).
enum ScoreMath {
    /// `100 × done / total` to one decimal, ties to even, computed exactly in integers; 0 when there is nothing.
    static func percentOneDecimal(_ done: Int, of total: Int) -> Double {
        guard total > 0 else { return 0 }
        return Double(roundHalfEven(1000 * done, total)) / 10
    }

    /// `100 × done / total` to an integer, ties to even (1/8 → 12, 3/8 → 38).
    static func percentInteger(_ done: Int, of total: Int) -> Int {
        guard total > 0 else { return 0 }
        return roundHalfEven(100 * done, total)
    }

    static func roundHalfEven(_ numerator: Int, _ denominator: Int) -> Int {
        let (q, r) = numerator.quotientAndRemainder(dividingBy: denominator)
        if 2 * r > denominator || (2 * r == denominator && q % 2 == 1) { return q + 1 }
        return q
    }

    /// A calendar day in a zone, as the microsecond instants of its midnights.
    struct Day {
        var text: String
        var days: Int64
        var zone: TimeZone

        /// The instant of midnight `offset` days after this day, in the zone (a DST day is 23 or 25 hours long).
        func midnight(plus offset: Int64) -> Int64 {
            let (y, m, d) = Timestamp.civil(fromDays: days + offset)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let date = calendar.date(from: DateComponents(year: Int(y), month: Int(m), day: Int(d))) ?? Date()
            return Timestamp.micros(date)
        }
    }

    enum DayError: Error {
        case invalidDate
        case invalidZone
    }

    /// The day D of `date` (or today) in `tz` (or UTC).
    static func day(date: String?, tz: String?, now: Date = Date()) throws -> Day {
        var zone = TimeZone(identifier: "UTC")!
        if let tz {
            guard let named = TimeZone(identifier: tz) else { throw DayError.invalidZone }
            zone = named
        }
        return try day(date: date, zone: zone, now: now)
    }

    /// The day D of `date` (or today) in `zone`.
    static func day(date: String?, zone: TimeZone, now: Date = Date()) throws -> Day {
        if let date {
            let parts = date.split(separator: "-").compactMap { Int64($0) }
            guard parts.count == 3, let days = Timestamp.days(year: parts[0], month: parts[1], day: parts[2]) else {
                throw DayError.invalidDate
            }
            return Day(text: date, days: days, zone: zone)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        let days = Timestamp.days(year: Int64(c.year!), month: Int64(c.month!), day: Int64(c.day!))!
        let (y, m, d) = Timestamp.civil(fromDays: days)
        return Day(text: String(format: "%04d-%02d-%02d", y, m, d), days: days, zone: zone)
    }
}
