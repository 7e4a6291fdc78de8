#if canImport(Glibc)
import Glibc
import OmiServer
import Testing

/// `serve` keeps list responses' memory in the heap rather than mapping and unmapping it per request (issue 12).
@Suite("Allocator tuning")
struct AllocatorTuningTests {
    /// glibc marks a block it mapped on its own with bit 1 of the size word just before the block.
    static func isMapped(bytes: Int) -> Bool {
        let block = malloc(bytes)!
        defer { free(block) }
        return (block - 8).load(as: UInt64.self) & 2 != 0
    }

    @Test func blocksUnderAMegabyteComeFromTheHeap() {
        #expect(AllocatorTuning.apply(environment: [:]))
        #expect(!Self.isMapped(bytes: 600_000))
        #expect(Self.isMapped(bytes: 2_000_000))
    }

    @Test(arguments: ["MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"])
    func anOperatorsOwnSettingIsKept(variable: String) {
        #expect(!AllocatorTuning.apply(environment: [variable: "1"]))
    }
}
#endif
