import OmiContract

/// `/v2/chat/completions` is declared in the contract so it names every route, but it is served by the raw route of
/// `ChatCompletions` (chat.md §9): streamed events must reach the client as the upstream produces them, and every
/// answer, errors from authentication and the body cap included, carries the endpoint's own error body and headers.
/// `RecordingTransport` never registers this handler, so it cannot be reached; it exists because `APIProtocol`
/// requires it.
extension OmiAPI {
    func createChatCompletion(_ input: Operations.CreateChatCompletion.Input) async throws
        -> Operations.CreateChatCompletion.Output { throw Self.notServed }
}
