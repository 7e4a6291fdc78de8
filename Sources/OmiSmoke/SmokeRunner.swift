import Foundation
import OmiClient

/// One printed line of a smoke run: the call, its status and time, and the verdict.
public struct SmokeLine: Sendable, Equatable {
    public var group: String
    public var route: String
    public var status: Int?
    public var milliseconds: Double?
    /// Empty when the call passed.
    public var problems: [String]

    public var passed: Bool { problems.isEmpty }

    public var text: String {
        let status = status.map(String.init) ?? "-"
        let time = milliseconds.map { String(format: "%.1f ms", $0) } ?? "-"
        let verdict = passed ? "ok" : "FAIL " + problems.joined(separator: "; ")
        return [group.padding(toLength: 14, withPad: " ", startingAt: 0),
                route.padding(toLength: 52, withPad: " ", startingAt: 0),
                status.padding(toLength: 5, withPad: " ", startingAt: 0),
                time.padding(toLength: 11, withPad: " ", startingAt: 0), verdict].joined(separator: " ")
    }
}

/// Runs the calls of one group in order, records a line for each, and undoes what the group created.
final class SmokeRunner: @unchecked Sendable {
    let client: Client
    let recorder: CallRecorder
    let publicClient: Client
    let print: @Sendable (String) -> Void
    private(set) var lines: [SmokeLine] = []
    private var cleanups: [(String, () async -> Void)] = []
    var group = ""

    init(client: Client, publicClient: Client, recorder: CallRecorder, print: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.publicClient = publicClient
        self.recorder = recorder
        self.print = print
    }

    /// Makes one call. `body` decodes the answer with the generated types (an undocumented status or an undecodable
    /// body throws); `checks` look at the raw JSON. A status outside 2xx fails unless listed in `alsoAccepted` (a
    /// documented answer such as 404 "No live releases found" on an empty server). Nil when the call failed.
    @discardableResult
    func call<T>(_ route: String, alsoAccepted: Set<Int> = [], checks: (Any?) -> [String] = { _ in [] },
                 _ body: () async throws -> T) async -> T? {
        _ = recorder.take()
        var line = SmokeLine(group: group, route: route, problems: [])
        var value: T?
        var thrown: String?
        do {
            value = try await body()
        } catch {
            thrown = Self.describe(error)
        }
        if let call = recorder.take() {
            line.status = call.status
            line.milliseconds = call.milliseconds
            let json = call.contentType?.hasPrefix("application/json") == true ? ContractChecks.json(call.body) : nil
            if !(200..<300).contains(call.status) && !alsoAccepted.contains(call.status) {
                let detail = (json as? [String: Any])?["detail"] as? String
                line.problems.append("HTTP \(call.status)" + (detail.map { ": \($0)" } ?? ""))
            } else if let thrown {
                line.problems.append(thrown)
            }
            line.problems += ContractChecks.zonedDatetimes(json)
            if line.problems.isEmpty { line.problems += checks(json) }
        } else {
            line.problems.append(thrown ?? "no answer")
        }
        lines.append(line)
        print(line.text)
        return line.passed ? value : nil
    }

    /// Registers the removal of something this run created; cleanups run in reverse at the end of the group.
    func cleanup(_ route: String, _ work: @escaping () async throws -> Void) {
        cleanups.append((route, { [unowned self] in await self.call(route) { try await work() } }))
    }

    func finishGroup() async {
        while let (_, work) = cleanups.popLast() { await work() }
    }

    /// The part of a client error a reader needs: the generated client wraps the underlying cause.
    static func describe(_ error: any Error) -> String {
        if let client = error as? ClientError {
            let cause = String(describing: client.underlyingError)
            return String(cause.prefix(300))
        }
        return String(String(describing: error).prefix(300))
    }
}
