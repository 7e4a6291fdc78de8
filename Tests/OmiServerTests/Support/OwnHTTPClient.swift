import AsyncHTTPClient

/// Runs `body` with an HTTP client of its own and shuts it down on every path before returning, so its connections
/// really close (what disconnect tests need); a client dropped without shutting down stops the whole test process.
func withOwnHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    let result: T
    do {
        result = try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
    return result
}
