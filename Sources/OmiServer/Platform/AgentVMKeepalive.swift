import AsyncHTTPClient
import Foundation
import NIOCore

/// Pings a ready VM so its idle timer restarts (platform.md §2.7); it changes no server state.
struct AgentVMKeepalive: Sendable {
    let client: HTTPClient
    let scheme: String
    let port: Int
    let timeout: Duration

    /// `ok` when the VM answered 200, otherwise the documented reason.
    func ping(ip: String, authToken: String) async -> String {
        let host = ip.contains(":") ? "[\(ip)]" : ip
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = authToken.addingPercentEncoding(withAllowedCharacters: allowed) ?? authToken
        // The query copy of the token is for older VM runtimes that read no Authorization header.
        var request = HTTPClientRequest(url: "\(scheme)://\(host):\(port)/ping?token=\(query)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(authToken)")
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return response.status.code == 200 ? "ok" : "ping_failed"
        } catch {
            return "unreachable"
        }
    }
}
