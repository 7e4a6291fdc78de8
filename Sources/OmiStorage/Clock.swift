import Foundation

/// The server's clock in integer microseconds since the epoch, the unit every stored instant uses.
public enum Clock {
    public static func nowMicros() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
}
