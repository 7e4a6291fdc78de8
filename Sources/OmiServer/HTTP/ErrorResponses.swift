import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OmiContract
import OpenAPIRuntime

/// Turns every error a request can end in into the Python backend's body shapes (conventions.md §5).
enum ErrorResponses {
    static func response(for error: any Error, logger: Logger) -> Response {
        switch error {
        case let error as GeminiError:
            return error.response
        case let error as ChatCompletionError:
            return error.response
        case let error as APIError:
            if let object = error.detailObject {
                return json(error.status, ["detail": object], headers: error.headers)
            }
            if !error.extra.isEmpty {
                return json(error.status, error.extra.merging(["detail": .string(error.detail)]) { $1 },
                            headers: error.headers)
            }
            return json(error.status, DetailBody(detail: error.detail), headers: error.headers)
        case let error as ValidationError:
            return json(.unprocessableContent, ValidationBody(items: error.items))
        case let error as ServerError:
            return serverError(error, logger: logger)
        case let error as HTTPError where error.status == .contentTooLarge:
            return json(.contentTooLarge, DetailBody(detail: "Request body is too large"))
        case let error as any HTTPResponseError where error.status.code < 500:
            return json(error.status, DetailBody(detail: error.status.reasonPhrase))
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return json(.internalServerError, DetailBody(detail: "Internal server error"))
        }
    }

    /// Errors from the generated server: a handler's own error, or a request that failed to decode (422).
    static func serverError(_ error: ServerError, logger: Logger) -> Response {
        let underlying = error.underlyingError
        if underlying is APIError || underlying is ValidationError {
            return response(for: underlying, logger: logger)
        }
        // No decoded input means the request failed to decode, unless a middleware (authentication, a storage
        // read on its way) threw before the handler: that is the server's fault, not the caller's.
        if error.operationInput == nil && !error.causeDescription.hasPrefix("Middleware of type") {
            return json(.unprocessableContent, ValidationBody(items: [validationItem(for: error)]))
        }
        logger.error("handler failed", metadata: [
            "operation": "\(error.operationID)", "error": "\(String(reflecting: type(of: underlying)))",
        ])
        return json(.internalServerError, DetailBody(detail: "Internal server error"))
    }

    /// Describes a decoding failure in FastAPI's terms: where (`body`/`query`/`path` and the key path) and what.
    static func validationItem(for error: ServerError) -> ValidationError.Item {
        let queryNames = Set((error.request.path.flatMap { URLComponents(string: $0) }?.queryItems ?? []).map(\.name))
        guard let decoding = error.underlyingError as? DecodingError else {
            // The runtime names a missing required parameter only in its message.
            let text = "\(error.underlyingError) \(error.causeDescription)"
            if let match = text.firstMatch(of: /Missing required query parameter named: ([A-Za-z0-9_.\-]+)/) {
                return .init(type: "missing", loc: ["query", .key(String(match.1))], msg: "Field required", input: nil,
                             ctx: nil)
            }
            return .init(type: "value_error", loc: ["body"], msg: error.causeDescription, input: nil, ctx: nil)
        }
        func location(_ path: [any CodingKey]) -> [ValidationError.LocationPart] {
            let parts: [ValidationError.LocationPart] = path.map { key in
                key.intValue.map { .index($0) } ?? .key(key.stringValue)
            }
            if case .key(let first)? = parts.first, queryNames.contains(first) { return ["query"] + parts }
            return ["body"] + parts
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return .init(type: "missing", loc: location(context.codingPath + [key]), msg: "Field required", input: nil, ctx: nil)
        case .valueNotFound(_, let context):
            return .init(type: "missing", loc: location(context.codingPath), msg: "Field required", input: nil, ctx: nil)
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty && !queryNames.isEmpty:
            // Query values are decoded without a coding path; name the parameter that does not parse.
            let items = error.request.path.flatMap { URLComponents(string: $0) }?.queryItems ?? []
            if let bad = items.first(where: { isQueryMismatch($0.value ?? "", type) }) {
                let code = typeCode(type).replacingOccurrences(of: "_type", with: "_parsing")
                return .init(type: code, loc: ["query", .key(bad.name)],
                             msg: "Input should be a valid \(typeName(type)), unable to parse string as \(typeName(type))",
                             input: Validator.echo(bad.value ?? ""), ctx: nil)
            }
            return .init(type: typeCode(type), loc: ["query"], msg: "Input should be a valid \(typeName(type))", input: nil, ctx: nil)
        case .typeMismatch(let type, let context):
            return .init(type: typeCode(type), loc: location(context.codingPath), msg: "Input should be a valid \(typeName(type))",
                         input: nil, ctx: nil)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let offset = (context.underlyingError as NSError?)?.userInfo["NSJSONSerializationErrorIndex"] as? Int ?? 0
                return .init(type: "json_invalid", loc: ["body", .index(offset)], msg: "JSON decode error", input: nil, ctx: nil)
            }
            return .init(type: "value_error", loc: location(context.codingPath),
                         msg: context.debugDescription.isEmpty ? "Invalid value" : context.debugDescription, input: nil, ctx: nil)
        @unknown default:
            return .init(type: "value_error", loc: ["body"], msg: "Invalid request", input: nil, ctx: nil)
        }
    }

    static func isQueryMismatch(_ value: String, _ type: Any.Type) -> Bool {
        switch typeCode(type) {
        case "int_type": Int64(value) == nil
        case "float_type": Double(value) == nil
        case "bool_type": QueryValues.bool(value) == nil
        default: false
        }
    }

    static func typeCode(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: "string_type"
        case is Bool.Type, is Bool?.Type: "bool_type"
        case is Int.Type, is Int64.Type, is Int32.Type, is Int?.Type, is Int64?.Type: "int_type"
        case is Double.Type, is Double?.Type: "float_type"
        default: "model_attributes_type"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch typeCode(type) {
        case "string_type": "string"
        case "bool_type": "boolean"
        case "int_type": "integer"
        case "float_type": "number"
        default: "object"
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: some Encodable, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"detail":"Internal server error"}"#.utf8)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct DetailBody: Encodable {
    var detail: String
}

struct ValidationBody: Encodable {
    var items: [ValidationError.Item]

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        var list = c.nestedUnkeyedContainer(forKey: .detail)
        for item in items { try list.encode(ItemBody(item: item)) }
    }

    enum Keys: String, CodingKey { case detail }

    struct ItemBody: Encodable {
        var item: ValidationError.Item

        enum Keys: String, CodingKey { case type, loc, msg, input, ctx }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(item.type, forKey: .type)
            var loc = c.nestedUnkeyedContainer(forKey: .loc)
            for part in item.loc {
                switch part {
                case .key(let k): try loc.encode(k)
                case .index(let i): try loc.encode(i)
                }
            }
            try c.encode(item.msg, forKey: .msg)
            if let input = item.input { try c.encode(InputBody(value: input), forKey: .input) }
            if let ctx = item.ctx { try c.encode(ctx.mapValues(InputBody.init), forKey: .ctx) }
        }
    }

    struct InputBody: Encodable {
        var value: ValidationError.InputValue

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch value {
            case .string(let s): try c.encode(s)
            case .int(let i): try c.encode(i)
            case .double(let d): try c.encode(d)
            case .bool(let b): try c.encode(b)
            case .null: try c.encodeNil()
            }
        }
    }
}
