import OmiContract

/// The Gemini proxy's operations are declared in the contract so it names every route, but they are served by the raw
/// routes of `GeminiProxy` (platform.md §3.2, §3.3): the last path segment holds a literal colon and streamed bytes
/// must pass through as they arrive, neither of which the generated server expresses. `RecordingTransport` never
/// registers these handlers, so they cannot be reached; they exist only because `APIProtocol` requires them.
extension OmiAPI {
    func geminiGenerateContent(_ input: Operations.GeminiGenerateContent.Input) async throws
        -> Operations.GeminiGenerateContent.Output { throw Self.notServed }

    func geminiEmbedContent(_ input: Operations.GeminiEmbedContent.Input) async throws
        -> Operations.GeminiEmbedContent.Output { throw Self.notServed }

    func geminiBatchEmbedContents(_ input: Operations.GeminiBatchEmbedContents.Input) async throws
        -> Operations.GeminiBatchEmbedContents.Output { throw Self.notServed }

    func geminiStreamGenerateContent(_ input: Operations.GeminiStreamGenerateContent.Input) async throws
        -> Operations.GeminiStreamGenerateContent.Output { throw Self.notServed }

    func geminiStreamRouteGenerateContent(_ input: Operations.GeminiStreamRouteGenerateContent.Input) async throws
        -> Operations.GeminiStreamRouteGenerateContent.Output { throw Self.notServed }
}
