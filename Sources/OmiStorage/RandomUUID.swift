import Foundation

/// Version-4 UUIDs from the system's secure generator (`getrandom`). Foundation's `UUID()` on Linux opens and reads
/// `/dev/urandom` on every call, three system calls for each request id and new row.
public enum RandomUUID {
    public static func make() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                     UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: generator.next() as UInt64, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: generator.next() as UInt64, toByteOffset: 8, as: UInt64.self)
            raw[6] = (raw[6] & 0x0F) | 0x40  // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80  // RFC 4122 variant
        }
        return UUID(uuid: bytes)
    }

    /// The lowercase text form the contracts use for ids.
    public static func lowercased() -> String { make().uuidString.lowercased() }
}
