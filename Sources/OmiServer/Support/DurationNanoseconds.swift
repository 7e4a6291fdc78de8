extension Duration {
    /// The whole duration in nanoseconds, for NIO's `TimeAmount`.
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}
