import Prometheus
import Synchronization

/// Request counters and latency histograms, exposed at `/metrics` in the Prometheus text format.
final class HTTPMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    // Immutable values of a type the library has not marked Sendable.
    nonisolated(unsafe) static let requests = MetricNameDescriptor(
        metricName: "http_requests", unitName: "total", helpText: "Requests answered, by method, route template and status.")
    nonisolated(unsafe) static let durations = MetricNameDescriptor(
        metricName: "http_request_duration", unitName: "seconds",
        helpText: "Time until the response head is ready (a streamed body not included), by method and route template.")

    static let buckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                      .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    struct SeriesKey: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    /// The collectors of each method, route template and status, looked up once: the registry builds the metric name,
    /// checks the help text and hashes the labels on every call, about 3% of a health check's CPU. Templates and
    /// statuses are few, so this stays small.
    private let series = Mutex<[SeriesKey: (requests: Counter, durations: DurationHistogram)]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func record(method: String, route: String, status: Int, duration: Duration) {
        let key = SeriesKey(method: method, route: route, status: status)
        let collectors = series.withLock { series in
            if let found = series[key] { return found }
            let made = (registry.makeCounter(descriptor: Self.requests,
                                             labels: [("method", method), ("route", route), ("status", String(status))]),
                        registry.makeDurationHistogram(descriptor: Self.durations,
                                                       labels: [("method", method), ("route", route)],
                                                       buckets: Self.buckets))
            series[key] = made
            return made
        }
        collectors.requests.increment()
        collectors.durations.record(duration)
    }

    func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
