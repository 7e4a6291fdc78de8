import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OmiContract
import Synchronization
import Testing

/// A task page and a saved message's answer are written by `JSONBytes` when they are a response body
/// (`PrewrittenJSON`); the desktop must read exactly what the generated `JSONEncoder` path would have sent.
@Suite("Responses written without JSONEncoder")
struct PrewrittenJSONTests {
    /// The encoder and decoder the generated code uses, with the server's date transcoder.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(try OmiDateTranscoder().encode(date))
        }
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try OmiDateTranscoder().decode(try decoder.singleValueContainer().decode(String.self))
        }
        return decoder
    }

    static func generatedEncoding(_ page: Wire.ActionItemPage) throws -> Data { try encoder().encode(page) }

    static func value(_ data: Data) throws -> Wire.JSONValue { try JSONDecoder().decode(Wire.JSONValue.self, from: data) }

    @Test func writesTheSameJSONAsTheEncoderForVariedTasks() throws {
        var random = SeededRandom(seed: 12)
        for round in 0..<40 {
            let items = (0..<(round % 7)).map { _ in SeededRandom.task(&random) }
            let page = Wire.ActionItemPage(actionItems: items, items: items, hasMore: round % 2 == 0)
            let written = Data(page.jsonBytes)
            let encoded = try Self.generatedEncoding(page)
            #expect(try Self.value(written) == Self.value(encoded), "round \(round)")
            // The desktop decodes the page back to the same tasks.
            #expect(try Self.decoder().decode(Wire.ActionItemPage.self, from: written).actionItems.map(\.id) == items.map(\.id))
        }
    }

    @Test func aMessageListIsTheEncodersJSON() throws {
        var random = SeededRandom(seed: 21)
        for round in 0..<40 {
            var messages: [Wire.ChatMessage] = []
            for i in 0..<(round % 6) {
                let block: Wire.JSONValue = .object(["type": .string("text"), "n": .int(Int64(i)), "x": .double(0.5),
                                                     "t": .string(SeededRandom.text(&random))])
                let ratings: [Int?] = [nil, 1, -1]
                var message = Wire.ChatMessage(
                    id: SeededRandom.text(&random), text: SeededRandom.text(&random), createdAt: SeededRandom.date(&random),
                    sender: i % 2 == 0 ? "human" : "ai", appId: SeededRandom.maybeText(&random),
                    sessionId: SeededRandom.maybeText(&random), rating: ratings[i % 3],
                    metadata: SeededRandom.maybeText(&random), contentBlocks: round % 3 == 0 ? [] : [block],
                    clientMessageId: SeededRandom.maybeText(&random), messageSource: SeededRandom.maybeText(&random),
                    journalRevision: i % 2 == 0 ? nil : Int64(round))
                message.reported = round % 4 == 3
                message.fromExternalIntegration = i == 1
                message.memoriesId = (0..<(i % 3)).map { _ in SeededRandom.text(&random) }
                message.filesId = i == 2 ? ["f"] : []
                messages.append(message)
            }
            let list = Wire.ChatMessageList(messages)
            let written = Data(list.jsonBytes)
            let encoded = try Self.encoder().encode(list)
            #expect(try Self.value(written) == Self.value(encoded), "round \(round)")
            // The desktop decodes the list back to the same messages.
            #expect(try Self.decoder().decode([Wire.ChatMessage].self, from: written) == messages, "round \(round)")
        }
    }

    @Test func aSavedMessagesAnswerIsTheEncodersJSON() throws {
        var random = SeededRandom(seed: 7)
        for round in 0..<40 {
            let task = SeededRandom.task(&random)
            let answer = Wire.SaveMessageResponse(
                id: task.id, createdAt: task.createdAt, sessionId: round % 3 == 0 ? nil : task.description,
                created: round % 2 == 0, updated: round % 4 == 1, journalRevision: round % 5 == 0 ? nil : task.sortOrder)
            let written = Data(answer.jsonBytes)
            let encoded = try Self.encoder().encode(answer)
            #expect(try Self.value(written) == Self.value(encoded), "round \(round)")
            // The desktop reads back what it would have read from the encoder's bytes.
            let decoded = try Self.decoder().decode(Wire.SaveMessageResponse.self, from: written)
            #expect(decoded == (try Self.decoder().decode(Wire.SaveMessageResponse.self, from: encoded)))
            #expect(decoded.id == answer.id && decoded.sessionId == answer.sessionId
                    && decoded.journalRevision == answer.journalRevision)
        }
    }

    @Test func aSyncsAnswerIsTheEncodersJSON() throws {
        for (synced, lastId) in [(0, Int64(0)), (20, 1019), (100, .max), (1, .min), (Int.max, -1)] {
            let answer = Wire.ScreenActivitySyncResult(synced: synced, lastId: lastId)
            let written = Data(answer.jsonBytes)
            #expect(try Self.value(written) == Self.value(Self.encoder().encode(answer)), "\(synced) \(lastId)")
            #expect(try Self.decoder().decode(Wire.ScreenActivitySyncResult.self, from: written) == answer)
        }
    }

    @Test func escapesEveryCharacterJSONRequires() throws {
        var item = Wire.ActionItem(id: "a\"b\\c", description: "", createdAt: Date(timeIntervalSince1970: -1.5),
                                   updatedAt: Date(timeIntervalSince1970: 4_102_444_800.123456))
        item.description = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined() + "/ é 😀 e\u{301} \u{7f} \u{2028}"
        item.relevanceScore = .min
        item.sortOrder = .max
        let page = Wire.ActionItemPage(actionItems: [item], items: [item], hasMore: false)
        let written = Data(page.jsonBytes)
        #expect(try Self.value(written) == Self.value(Self.generatedEncoding(page)))
        let decoded = try Self.decoder().decode(Wire.ActionItemPage.self, from: written)
        #expect(decoded.items.first?.description == item.description)
        #expect(decoded.items.first?.relevanceScore == .min)
    }

    @Test func differentArraysUnderTheTwoKeysAreBothWritten() throws {
        let a = Wire.ActionItem(id: "a", description: "first", createdAt: Date(timeIntervalSince1970: 0),
                                updatedAt: Date(timeIntervalSince1970: 0))
        let b = Wire.ActionItem(id: "b", description: "second", createdAt: Date(timeIntervalSince1970: 0),
                                updatedAt: Date(timeIntervalSince1970: 0))
        let page = Wire.ActionItemPage(actionItems: [a], items: [a, b], hasMore: true)
        let decoded = try Self.decoder().decode(Wire.ActionItemPage.self, from: Data(page.jsonBytes))
        #expect(decoded.actionItems.map(\.id) == ["a"])
        #expect(decoded.items.map(\.id) == ["a", "b"])
    }

    @Test func onlyTheTopLevelBodyIsDiverted() throws {
        let item = Wire.ActionItem(id: "x", description: "d", createdAt: Date(timeIntervalSince1970: 0),
                                   updatedAt: Date(timeIntervalSince1970: 0))
        let page = Wire.ActionItemPage(actionItems: [item], items: [item], hasMore: false)
        let taken = Mutex<[[UInt8]]>([])
        let sink = PrewrittenJSON.Sink { bytes in taken.withLock { $0.append(Array(bytes)) } }
        let (top, nested) = try PrewrittenJSON.$sink.withValue(sink) {
            (try Self.encoder().encode(page), try Self.encoder().encode([page]))
        }
        // The top-level page went to the sink and left a placeholder; the nested one was encoded in place.
        #expect(String(decoding: top, as: UTF8.self) == "null")
        #expect(taken.withLock { $0 } == [page.jsonBytes])
        #expect(try Self.value(nested) == .array([Self.value(Data(page.jsonBytes))]))
        // Without a sink (the client library, any other caller) the page is encoded normally.
        #expect(try Self.value(Self.encoder().encode(page)) == Self.value(Data(page.jsonBytes)))
    }
}

extension PrewrittenJSONTests {
    /// Over a real socket the declared length must be the written body's, not the placeholder's: a client reads
    /// exactly `Content-Length` bytes, which router-level tests do not.
    @Test(arguments: TestEngine.available)
    func aRealClientReadsTheWholeWrittenPage(engine: TestEngine) async throws {
        try await withLiveServer(engine) { url in
            try await withOwnHTTPClient { http in
                func send(_ method: HTTPMethod, _ path: String, _ json: String? = nil) async throws -> (HTTPClientResponse, ByteBuffer) {
                    var request = HTTPClientRequest(url: url.absoluteString + path)
                    request.method = method
                    request.headers.add(name: "Authorization", value: "Bearer \(TestIdentityProvider.primary.token(uid: "page-user"))")
                    if let json {
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: json))
                    }
                    let response = try await http.execute(request, timeout: .seconds(60))
                    return (response, try await response.body.collect(upTo: 1 << 20))
                }
                for n in 1...3 { _ = try await send(.POST, "/v1/action-items", #"{"description":"Task \#(n) \"quoted\""}"#) }
                // Twice on one connection: a wrong length would leave bytes that corrupt the second answer.
                for _ in 0..<2 {
                    let (response, body) = try await send(.GET, "/v1/action-items?limit=50")
                    #expect(response.status == .ok)
                    #expect(response.headers.first(name: "Content-Length") == String(body.readableBytes))
                    let page = try PrewrittenJSONTests.decoder().decode(Wire.ActionItemPage.self, from: Data(buffer: body))
                    #expect(Set(page.items.map(\.description)) == ["Task 1 \"quoted\"", "Task 2 \"quoted\"", "Task 3 \"quoted\""])
                    #expect(page.actionItems == page.items)
                }
            }
        }
    }
}

/// A small deterministic generator, so a failing round can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "😀", "e\u{301}", "\u{2028}", "{", "}"]

    static func text(_ r: inout SeededRandom) -> String {
        (0..<Int.random(in: 0...12, using: &r)).map { _ in alphabet.randomElement(using: &r)! }.joined()
    }

    static func maybeText(_ r: inout SeededRandom) -> String? { Bool.random(using: &r) ? text(&r) : nil }

    static func date(_ r: inout SeededRandom) -> Date {
        Timestamp.date(micros: Int64.random(in: -2_000_000_000_000_000...4_000_000_000_000_000, using: &r))
    }

    static func maybeDate(_ r: inout SeededRandom) -> Date? { Bool.random(using: &r) ? date(&r) : nil }

    static func task(_ r: inout SeededRandom) -> Wire.ActionItem {
        var t = Wire.ActionItem(id: text(&r), description: text(&r), createdAt: date(&r), updatedAt: date(&r))
        t.completed = .random(using: &r)
        t.dueAt = maybeDate(&r); t.completedAt = maybeDate(&r); t.deletedAt = maybeDate(&r); t.exportDate = maybeDate(&r)
        t.conversationId = maybeText(&r); t.source = maybeText(&r); t.priority = maybeText(&r)
        t.metadata = maybeText(&r); t.category = maybeText(&r); t.goalId = maybeText(&r)
        t.recurrenceRule = maybeText(&r); t.recurrenceParentId = maybeText(&r); t.deletedBy = maybeText(&r)
        t.deletedReason = maybeText(&r); t.keptTaskId = maybeText(&r); t.exportPlatform = maybeText(&r)
        t.appleReminderId = maybeText(&r)
        t.relevanceScore = Bool.random(using: &r) ? Int64.random(in: .min ... .max, using: &r) : nil
        t.sortOrder = Int64.random(in: .min ... .max, using: &r)
        t.indentLevel = Int.random(in: -3...9, using: &r)
        t.fromStaged = .random(using: &r); t.deleted = .random(using: &r); t.exported = .random(using: &r)
        return t
    }
}
