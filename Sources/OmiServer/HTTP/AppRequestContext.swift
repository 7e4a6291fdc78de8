import Hummingbird
import NIOCore

/// The request context of every route. Request-scoped values the generated handlers need travel in task locals
/// (`RequestValues`), because the OpenAPI transport hands them no context.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies are collected by `OmiResponder` under each route's own cap, so the framework's default is not used.
    public var maxUploadSize: Int { 1 << 30 }
}
