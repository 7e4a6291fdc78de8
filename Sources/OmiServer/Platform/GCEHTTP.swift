import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OmiContract

/// One JSON answer of a Google endpoint; the body is parsed leniently, an unparsable body reads as null.
struct GCEReply: Sendable {
    var status: Int
    var json: Wire.JSONValue
}

/// The bit of HTTP the GCE provisioner needs. Request and response bodies are never logged: the insert carries the
/// VM's auth token and the token endpoint answers an access token.
struct GCEHTTP: Sendable {
    let client: HTTPClient

    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], json: Wire.JSONValue? = nil,
              form: String? = nil, timeout: Duration) async throws -> GCEReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json.jsonText))
        } else if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)))
        let body = try await response.body.collect(upTo: 4 << 20)
        return GCEReply(status: Int(response.status.code), json: Wire.JSONValue(jsonText: String(buffer: body)) ?? .null)
    }
}

extension Wire.JSONValue {
    /// Lenient path reads over provider answers.
    subscript(field key: String) -> Wire.JSONValue {
        if case .object(let o) = self { return o[key] ?? .null }
        return .null
    }

    subscript(item index: Int) -> Wire.JSONValue {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return .null
    }

    var gceString: String? { if case .string(let s) = self { s } else { nil } }
    var gceItems: [Wire.JSONValue] { if case .array(let a) = self { a } else { [] } }
    var gceNumber: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s)
        default: nil
        }
    }
}
