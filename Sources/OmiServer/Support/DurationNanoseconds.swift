extension Duration {
    /// The whole duration in nanoseconds, for NIO's `TimeAmount`.
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// Whole microseconds, the unit of stored times (`Clock.nowMicros`).
    var microseconds: Int64 { Int64(nanoseconds / 1_000) }
}
