import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OmiContract
import Synchronization

/// A local stand-in for the Compute Engine REST API, the metadata token endpoint and the VMs' own `/ping`, shared by
/// the whole test process. Each test uses its own project id, so state and behaviours never leak between tests.
final class FakeComputeAPI: Sendable {
    static let shared = FakeComputeAPI()
    static let accessToken = "fake-access-token"

    struct Instance: Sendable {
        var status = "RUNNING"
        var natIP: String? = "127.0.0.1"
        var authToken: String?
        var body: Wire.JSONValue = .null
    }

    struct Recorded: Sendable {
        var method: String
        /// The path after `/projects/{project}/zones/{zone}`, e.g. `/instances/omi-agent-…/start`.
        var path: String
        var body: Wire.JSONValue
    }

    struct Ping: Sendable {
        var authorization: String?
        var query: String?
    }

    /// One project's instances, the calls it received and how it misbehaves.
    struct Project: Sendable {
        var instances: [String: Instance] = [:]
        var requests: [Recorded] = []
        /// Answer every instance read with this HTTP status (401, 404, 500) instead of the instance.
        var describeStatus: Int?
        /// Inserts end in an operation error and create nothing.
        var insertFails = false
        /// The address new and started instances get.
        var natIP = "127.0.0.1"
        /// Every ping for this project's tokens answers this status.
        var pingStatus = 200
        var pings: [Ping] = []
    }

    private let projects = Mutex<[String: Project]>([:])
    /// Form bodies posted to the service-account token endpoint.
    let tokenGrants = Mutex<[String]>([])
    private let server = LoopbackServer()

    func project(_ id: String) -> Project { projects.withLock { $0[id] ?? Project() } }
    func update(_ id: String, _ change: (inout Project) -> Void) { projects.withLock { change(&$0[id, default: Project()]) } }
    func requests(_ id: String, _ method: String? = nil, suffix: String? = nil) -> [Recorded] {
        project(id).requests.filter { r in
            (method == nil || r.method == method) && (suffix == nil || r.path.hasSuffix(suffix!))
        }
    }

    func baseURL() async throws -> String { "http://127.0.0.1:\(try await ensureRunning())" }

    func ensureRunning() async throws -> Int { try await server.port(router: makeRouter) }

    static func json(_ value: Wire.JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    static func error(_ code: Int, _ reason: String) -> Response {
        json(.object(["error": .object(["code": .int(Int64(code)), "message": .string(reason)])]),
             status: HTTPResponse.Status(code: code))
    }

    static func operation(_ name: String, done: Bool, error: Bool = false) -> Wire.JSONValue {
        var op: [String: Wire.JSONValue] = ["name": .string(name), "status": .string(done ? "DONE" : "RUNNING")]
        if error { op["error"] = .object(["errors": .array([.object(["code": .string("QUOTA_EXCEEDED")])])]) }
        return .object(op)
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let zone = "/compute/v1/projects/:project/zones/:zone"
        router.get("/metadata/instance/service-accounts/default/token") { request, _ -> Response in
            guard request.headers[HTTPField.Name("Metadata-Flavor")!] == "Google" else { return Self.error(403, "flavor") }
            return Self.json(.object(["access_token": .string(Self.accessToken), "expires_in": .int(3600),
                                      "token_type": .string("Bearer")]))
        }
        router.post("/token") { [self] request, _ -> Response in
            let form = String(buffer: try await request.body.collect(upTo: 1 << 16))
            tokenGrants.withLock { $0.append(form) }
            return Self.json(.object(["access_token": .string(Self.accessToken), "expires_in": .int(3600)]))
        }
        router.post(RouterPath(zone + "/instances")) { [self] request, context -> Response in
            try await handle(request, context, suffix: "/instances") { project, body in
                let name = body["name"].string ?? ""
                if project.instances[name] != nil { return Self.error(409, "alreadyExists") }
                if project.insertFails { return Self.json(Self.operation("op-insert-failed", done: false)) }
                let token = body["metadata"]["items"].array.first { $0["key"].string == "auth-token" }?["value"].string
                project.instances[name] = Instance(status: "RUNNING", natIP: project.natIP, authToken: token, body: body)
                return Self.json(Self.operation("op-insert", done: false))
            }
        }
        router.get(RouterPath(zone + "/instances/:name")) { [self] request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            return try await handle(request, context, suffix: "/instances/\(name)") { project, _ in
                if let status = project.describeStatus { return Self.error(status, "describe override") }
                guard let instance = project.instances[name] else { return Self.error(404, "notFound") }
                return Self.json(Self.instanceJSON(name, instance))
            }
        }
        for action in ["start", "resume"] {
            router.post(RouterPath(zone + "/instances/:name/\(action)")) { [self] request, context -> Response in
                let name = context.parameters.get("name") ?? ""
                return try await handle(request, context, suffix: "/instances/\(name)/\(action)") { project, _ in
                    guard project.instances[name] != nil else { return Self.error(404, "notFound") }
                    project.instances[name]!.status = "RUNNING"
                    project.instances[name]!.natIP = project.natIP
                    return Self.json(Self.operation("op-\(action)", done: false))
                }
            }
        }
        router.delete(RouterPath(zone + "/instances/:name")) { [self] request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            return try await handle(request, context, suffix: "/instances/\(name)") { project, _ in
                guard project.instances.removeValue(forKey: name) != nil else { return Self.error(404, "notFound") }
                return Self.json(Self.operation("op-delete", done: false))
            }
        }
        router.get(RouterPath(zone + "/operations/:op")) { [self] request, context -> Response in
            let op = context.parameters.get("op") ?? ""
            return try await handle(request, context, suffix: "/operations/\(op)") { _, _ in
                Self.json(Self.operation(op, done: true, error: op == "op-insert-failed"))
            }
        }
        router.post("/ping") { [self] request, _ -> Response in
            let auth = request.headers[.authorization]
            let query = request.uri.queryParameters.get("token")
            let token = query ?? ""
            let status = projects.withLock { projects -> Int in
                for (id, project) in projects where project.instances.values.contains(where: { $0.authToken == token }) {
                    projects[id]!.pings.append(Ping(authorization: auth, query: query))
                    return project.pingStatus
                }
                return 404
            }
            return Response(status: HTTPResponse.Status(code: status))
        }
        return router
    }

    static func instanceJSON(_ name: String, _ instance: Instance) -> Wire.JSONValue {
        var access: [String: Wire.JSONValue] = ["type": .string("ONE_TO_ONE_NAT"), "name": .string("External NAT")]
        if let ip = instance.natIP, instance.status == "RUNNING" { access["natIP"] = .string(ip) }
        var items: [Wire.JSONValue] = []
        if let token = instance.authToken { items.append(.object(["key": .string("auth-token"), "value": .string(token)])) }
        return .object([
            "name": .string(name), "status": .string(instance.status),
            "networkInterfaces": .array([.object(["accessConfigs": .array([.object(access)])])]),
            "metadata": .object(["items": .array(items)]),
        ])
    }

    /// Records the call, checks the bearer token, and runs `answer` on the project's state.
    func handle(_ request: Request, _ context: BasicRequestContext, suffix: String,
                _ answer: (inout Project, Wire.JSONValue) -> Response) async throws -> Response {
        let id = context.parameters.get("project") ?? ""
        let buffer = try await request.body.collect(upTo: 1 << 20)
        let body = Wire.JSONValue(jsonText: String(buffer: buffer)) ?? .null
        return projects.withLock { projects in
            projects[id, default: Project()].requests.append(
                Recorded(method: request.method.rawValue, path: suffix, body: body))
            guard request.headers[.authorization] == "Bearer \(Self.accessToken)" else { return Self.error(401, "token") }
            return answer(&projects[id, default: Project()], body)
        }
    }
}
