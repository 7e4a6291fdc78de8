import Foundation
import HTTPTypes
import OmiClient

/// Sends the same read-only requests to two servers and reports where the JSON shapes differ (issue 11): keys
/// missing on one side, type changes, and `null` against a value. Values themselves are not compared: two accounts
/// hold different data. An empty list on either side says nothing about its elements, so they are not compared.
public struct ParityCheck: Sendable {
    public struct Target: Sendable {
        public var baseURL: URL
        public var token: String
        public init(baseURL: URL, token: String) {
            self.baseURL = baseURL
            self.token = token
        }
    }

    public struct Result: Sendable {
        public var route: String
        public var statusA: Int?
        public var statusB: Int?
        public var differences: [String]

        public var text: String {
            let statuses = "\(statusA.map(String.init) ?? "-")/\(statusB.map(String.init) ?? "-")"
            let verdict = differences.isEmpty ? "same shape" : "DIFFERENT " + differences.joined(separator: "; ")
            return [route.padding(toLength: 44, withPad: " ", startingAt: 0),
                    statuses.padding(toLength: 8, withPad: " ", startingAt: 0), verdict].joined(separator: " ")
        }
    }

    /// The desktop's read-only calls; none of them changes anything on either server.
    public static let routes = [
        "/health", "/v1/users/profile", "/v1/users/language", "/v1/users/assistant-settings",
        "/v1/users/transcription-preferences", "/v1/users/notification-settings", "/v1/users/store-recording-permission",
        "/v1/users/private-cloud-sync", "/v1/users/ai-profile", "/v1/users/me/subscription", "/v1/users/me/usage-quota",
        "/v1/config/api-keys", "/v2/chat-sessions", "/v2/desktop/messages?limit=20", "/v1/users/stats/chat-messages",
        "/v1/action-items?limit=20", "/v1/staged-tasks?limit=20", "/v1/scores", "/v1/daily-score",
        "/v1/conversations?limit=10", "/v1/conversations/count", "/v1/folders", "/v3/memories?limit=20",
        "/v1/knowledge-graph", "/v1/goals", "/v1/goals/all", "/v1/apps", "/v2/apps", "/v1/apps/enabled",
        "/v1/app-categories", "/v1/personas", "/v1/screen-activity/summary", "/v1/focus-sessions", "/v1/focus-stats",
        "/v1/advice", "/updates/latest", "/v2/desktop/update-policy", "/v2/agent/status", "/v1/agent/vm-status",
    ]

    let a: Target
    let b: Target
    let transport: any ClientTransport

    public init(a: Target, b: Target, transport: (any ClientTransport)? = nil) {
        self.a = a
        self.b = b
        self.transport = transport ?? OmiClient.defaultTransport()
    }

    public func run(routes: [String] = Self.routes,
                    print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) async -> [Result] {
        var results: [Result] = []
        for route in routes {
            let (statusA, bodyA) = await fetch(route, from: a)
            let (statusB, bodyB) = await fetch(route, from: b)
            var result = Result(route: "GET " + route, statusA: statusA, statusB: statusB, differences: [])
            if statusA == nil || statusB == nil {
                result.differences.append("no answer from \(statusA == nil ? "A" : "B")")
            } else if statusA != statusB {
                result.differences.append("status \(statusA!) against \(statusB!)")
            } else if let bodyA, let bodyB {
                result.differences = Self.differences(ContractChecks.json(bodyA), ContractChecks.json(bodyB))
            }
            results.append(result)
            print(result.text)
        }
        return results
    }

    func fetch(_ route: String, from target: Target) async -> (Int?, Data?) {
        var request = HTTPRequest(method: .get, scheme: nil, authority: nil, path: route)
        request.headerFields[.authorization] = "Bearer \(target.token)"
        request.headerFields[.accept] = "application/json"
        do {
            let (response, body) = try await transport.send(request, body: nil, baseURL: target.baseURL,
                                                            operationID: "parity")
            var data: Data?
            if let body { data = try await Data(collecting: body, upTo: 16 * 1024 * 1024) }
            let json = response.headerFields[.contentType]?.hasPrefix("application/json") == true
            return (response.status.code, json ? data : nil)
        } catch {
            return (nil, nil)
        }
    }

    /// Where the shape of `b` departs from `a`, as readable paths.
    public static func differences(_ a: Any?, _ b: Any?, at path: String = "$") -> [String] {
        let (kindA, kindB) = (kind(a), kind(b))
        if kindA != kindB {
            if kindA == "null" || kindB == "null" { return ["\(path): \(kindA) against \(kindB)"] }
            return ["\(path): type \(kindA) against \(kindB)"]
        }
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            var found: [String] = []
            for key in Set(x.keys).union(y.keys).sorted() {
                switch (x[key], y[key]) {
                case (nil, _?): found.append("\(path).\(key): absent against present")
                case (_?, nil): found.append("\(path).\(key): present against absent")
                case let (p?, q?): found += differences(p, q, at: "\(path).\(key)")
                default: break
                }
            }
            return found
        case let (x as [Any], y as [Any]):
            // Each side's first element stands for its list; the shapes of later elements repeat it.
            guard let p = x.first, let q = y.first else { return [] }
            return differences(p, q, at: "\(path)[]")
        default:
            return []
        }
    }

    static func kind(_ value: Any?) -> String {
        switch value {
        case nil: "absent"
        case is NSNull: "null"
        // JSON booleans parse as NSNumber of type "c" (char); numbers as "q" or "d".
        case let number as NSNumber: String(cString: number.objCType) == "c" ? "bool" : "number"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        default: "unknown"
        }
    }
}
