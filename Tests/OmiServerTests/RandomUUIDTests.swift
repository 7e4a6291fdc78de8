import Foundation
import OmiStorage
import Testing

@Suite("Random ids")
struct RandomUUIDTests {
    /// Ids the app stores and compares must be RFC 4122 version-4 UUIDs in lowercase, and never repeat.
    @Test func idsAreLowercaseVersionFourUUIDsThatDoNotRepeat() {
        let ids = (0..<20_000).map { _ in RandomUUID.lowercased() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(500) {
            let parsed = UUID(uuidString: id)
            #expect(parsed != nil && id == id.lowercased() && id.count == 36)
            // The text is the UUID's own, written in lowercase.
            #expect(parsed?.uuidString.lowercased() == id)
            let chars = Array(id)
            #expect(chars[14] == "4", "version nibble of \(id)")
            #expect("89ab".contains(chars[19]), "variant nibble of \(id)")
        }
        // Every other nibble takes more than one value across the sample: the bits are drawn, not fixed.
        for position in Array(0..<36) where ![8, 13, 14, 18, 23].contains(position) {
            #expect(Set(ids.prefix(500).map { Array($0)[position] }).count > 1, "position \(position)")
        }
    }
}
