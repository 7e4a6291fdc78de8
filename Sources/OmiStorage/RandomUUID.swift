import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Version-4 UUIDs from the system's secure generator. Foundation's `UUID()` on Linux opens and reads
/// `/dev/urandom` on every call, three system calls for each request id and new row; `getentropy` fills all 16
/// bytes with one (`SystemRandomNumberGenerator` makes one per 8 bytes).
public enum RandomUUID {
    public static func make() -> UUID {
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                     UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        withUnsafeMutableBytes(of: &bytes) { raw in
            if getentropy(raw.baseAddress, raw.count) != 0 {
                // Not expected for 16 bytes; the generator then draws them the slower way.
                var generator = SystemRandomNumberGenerator()
                raw.storeBytes(of: generator.next() as UInt64, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: generator.next() as UInt64, toByteOffset: 8, as: UInt64.self)
            }
            raw[6] = (raw[6] & 0x0F) | 0x40  // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80  // RFC 4122 variant
        }
        return UUID(uuid: bytes)
    }

    /// The lowercase text form the contracts use for ids, written directly rather than uppercased and then lowered.
    public static func lowercased() -> String {
        var uuid = make().uuid
        return withUnsafeBytes(of: &uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                var at = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = digits.utf8Start[Int(byte >> 4)]
                    text[at + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    at += 2
                }
                return at
            }
        }
    }
}
