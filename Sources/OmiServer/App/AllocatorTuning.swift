#if canImport(Glibc)
import Glibc
#endif

/// Keeps glibc's allocator from handing a list response's memory back to the kernel after every request.
///
/// A task page is about 70 KB of JSON, written once and copied once into the response buffer. With glibc's defaults
/// (memory above 128 KB at the top of the heap is returned at once, and the threshold for giving a block its own
/// `mmap` moves with what was freed), those blocks were returned to the kernel and faulted back in, page by page, on the
/// next request: page faults were 5–9% of a task list's CPU. Keeping up to 4 MB free at the top of each arena, and
/// serving blocks under 1 MB from the heap, made task and message lists 10% faster at 1 MB more peak memory
/// (`scripts/bench.sh`, issue 12).
///
/// An operator who sets glibc's own variables (`MALLOC_TRIM_THRESHOLD_`, `MALLOC_MMAP_THRESHOLD_` or
/// `GLIBC_TUNABLES`) keeps them: glibc has read them already, and this leaves them alone.
public enum AllocatorTuning {
    public static let trimThreshold: Int32 = 4 << 20
    public static let mmapThreshold: Int32 = 1 << 20

    /// Applies the thresholds unless the environment sets its own; returns whether it did.
    @discardableResult
    public static func apply(environment: [String: String]) -> Bool {
        #if canImport(Glibc)
        let own = ["MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"]
        guard !own.contains(where: { environment[$0] != nil }) else { return false }
        // `malloc.h` is not in the Glibc module, so `mallopt` is looked up, with its parameters' values from there.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThresholdParameter: Int32 = -1, mmapThresholdParameter: Int32 = -3
        return mallopt(trimThresholdParameter, trimThreshold) == 1 && mallopt(mmapThresholdParameter, mmapThreshold) == 1
        #else
        return false
        #endif
    }
}
