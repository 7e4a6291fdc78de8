import Foundation
import OmiContract
import Testing
@testable import OmiServer

/// The task shapes decoded by the generated client, as a Swift app adopting the client library would.
@Suite("Tasks over a real socket with the generated client")
struct LiveClientTaskTests {
    @Test(arguments: TestEngine.available)
    func taskShapesDecodeStrictly(engine: TestEngine) async throws {
        try await withLiveClient(engine) { api in
            let due = Date(timeIntervalSince1970: 1_900_000_000)
            let created = try await api.createActionItem(body: .json(.init(
                description: "Email Anna", dueAt: due, priority: "high", metadata: .string(#"{"source_app":"Mail"}"#))))
                .ok.body.json
            #expect(created.metadata == #"{"source_app":"Mail"}"# && created.dueAt == due && !created.fromStaged)

            var clear = Wire.ActionItemUpdate()
            clear.dueAt = .clear
            let cleared = try await api.updateActionItem(path: .init(actionItemId: created.id), body: .json(clear)).ok.body.json
            #expect(cleared.dueAt == nil && cleared.priority == "high")

            let page = try await api.listActionItems(query: .init(limit: 10)).ok.body.json
            #expect(page.actionItems == page.items && page.items.map(\.id) == [created.id] && !page.hasMore)

            // The older desktop shape: an `items` wrapper in, a bare array out.
            let batch = try await api.createActionItemsBatch(body: .json(.case2(.init(items: [.init(description: "Two")]))))
                .ok.body.json
            guard case .case2(let items) = batch else { Issue.record("expected a bare array"); return }
            #expect(items.map(\.description) == ["Two"])

            _ = try await api.createStagedTask(body: .json(.init(description: "Call Bob", relevanceScore: 1))).ok
            let promotion = try await api.promoteStagedTask().ok.body.json
            #expect(promotion.promoted && promotion.reason == nil && promotion.promotedTask?.fromStaged == true)
            let again = try await api.promoteStagedTask().ok.body.json
            #expect(!again.promoted && again.reason == "No staged tasks available" && again.promotedTask == nil)

            let scores = try await api.getScores(query: .init(date: "2030-03-05")).ok.body.json
            #expect(scores.date == "2030-03-05" && scores.overall.totalTasks == 3 && scores.defaultTab == .weekly)
        }
    }
}
