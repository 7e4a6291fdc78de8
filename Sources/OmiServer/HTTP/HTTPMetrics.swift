import Prometheus

/// Request counters and latency histograms, exposed at `/metrics` in the Prometheus text format.
struct HTTPMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    // Immutable values of a type the library has not marked Sendable.
    nonisolated(unsafe) static let requests = MetricNameDescriptor(
        metricName: "http_requests", unitName: "total", helpText: "Requests answered, by method, route template and status.")
    nonisolated(unsafe) static let durations = MetricNameDescriptor(
        metricName: "http_request_duration", unitName: "seconds",
        helpText: "Time until the response head is ready (a streamed body not included), by method and route template.")

    func record(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests,
                             labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.durations, labels: [("method", method), ("route", route)],
                                       buckets: Self.buckets).record(duration)
    }

    static let buckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                      .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
