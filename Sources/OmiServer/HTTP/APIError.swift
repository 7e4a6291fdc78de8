import HTTPTypes
import OmiContract

/// An error a handler answers with, in the Python backend's `{"detail": ...}` shape (conventions.md §5).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    public var headers: HTTPFields
    /// A structured `detail` for the few documented errors that carry an object; replaces `detail` in the body.
    public var detailObject: Wire.JSONValue?
    /// Keys sent beside `detail`, for the documented errors that carry more (a pointer with its 409).
    public var extra: [String: Wire.JSONValue] = [:]

    public init(_ status: HTTPResponse.Status, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    public init(_ status: HTTPResponse.Status, detailObject: Wire.JSONValue) {
        self.init(status, "")
        self.detailObject = detailObject
    }

    static func notFound(_ detail: String) -> APIError { APIError(.notFound, detail) }
    static func badRequest(_ detail: String) -> APIError { APIError(.badRequest, detail) }

    static func rateLimited(retryAfter: Int, limit: Int) -> APIError {
        APIError(.tooManyRequests, "Rate limit exceeded. Try again in \(retryAfter)s.", headers: [
            .retryAfter: String(retryAfter),
            HTTPField.Name("X-RateLimit-Limit")!: String(limit),
            HTTPField.Name("X-RateLimit-Remaining")!: "0",
        ])
    }
}

/// A 422 with the list of problems, in FastAPI's shape: `{"detail": [{"type", "loc", "msg", "input"?, "ctx"?}]}`.
public struct ValidationError: Error, Sendable {
    public struct Item: Sendable {
        public var type: String
        public var loc: [LocationPart]
        public var msg: String
        public var input: InputValue?
        public var ctx: [String: InputValue]?
    }

    public enum LocationPart: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// The offending value, echoed back in the body (never for secrets or message text over a short length).
    public enum InputValue: Sendable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
        case null
    }

    public var items: [Item]

    public init(_ items: [Item]) { self.items = items }

    public init(type: String, loc: [LocationPart], msg: String, input: InputValue? = nil,
                ctx: [String: InputValue]? = nil) {
        self.items = [Item(type: type, loc: loc, msg: msg, input: input, ctx: ctx)]
    }
}

extension ValidationError.LocationPart: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .key(value) }
    public init(integerLiteral value: Int) { self = .index(value) }
}
