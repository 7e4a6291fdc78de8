import Foundation
import OmiContract
import Testing

/// A chat message save is read before `JSONDecoder` sees it (`RequestBodyBytes`); the handler must get exactly what
/// the decoder would have given it, value or error, for every body.
@Suite("Chat message save bodies read before JSONDecoder")
struct SaveMessageDecodingTests {
    typealias Request = Wire.SaveMessageRequest
    typealias Sync = ScreenActivitySyncDecodingTests

    static let path = ServedBody<Request>(operation: "POST /v2/desktop/messages")

    static func body(_ r: inout SeededRandom) -> String {
        var members: [(String, String)] = [
            ("text", Sync.quoted(SeededRandom.text(&r), &r)),
            ("sender", Sync.quoted(["human", "ai"].randomElement(using: &r)!, &r)),
        ]
        for key in ["app_id", "session_id", "metadata", "client_message_id", "message_source"] {
            members += Sync.optional(key, SeededRandom.maybeText(&r).map { Sync.quoted($0, &r) }, &r)
        }
        members += Sync.optional("journal_revision",
                                 Bool.random(using: &r) ? String(Int64.random(in: .min ... .max, using: &r)) : nil, &r)
        // Content blocks are left to `JSONValue`'s decoding; a null is read.
        if Int.random(in: 0..<4, using: &r) == 0 {
            members.append(("content_blocks", Bool.random(using: &r) ? "null" : #"[{"type":"text","n":1.5}]"#))
        }
        if Int.random(in: 0..<3, using: &r) == 0 {
            members.append(("extra", #"{"a":[1,2.5e3,{"b":"]}\"x"},null,true],"c":-0.0}"#))
        }
        return Sync.space(&r) + Sync.object(members, &r) + Sync.space(&r)
    }

    @Test func readsWhatTheDecoderReadsOnSeededBodies() throws {
        var r = SeededRandom(seed: 2811)
        var read = 0
        for round in 0..<300 {
            let json = Self.body(&r)
            let reference = Self.path.decoded(json)
            #expect(Self.path.served(json) == reference, "round \(round): \(json)")
            if let fast = Request.read(Array(json.utf8)) {
                read += 1
                #expect(.success(fast) == reference, "round \(round): \(json)")
            }
        }
        // Only bodies with content blocks (about one in eight) go to Codable.
        #expect(read > 230)
    }

    /// The reader runs first, so it must refuse every body the decoder refuses. Seeded bodies with one to three bytes
    /// deleted, inserted or replaced.
    @Test func malformedBodiesAreRefusedAsTheDecoderRefusesThem() throws {
        let refused = Self.path.expectMutatedBodiesServedAsDecoded(seed: 28) { Self.body(&$0) }
        #expect(refused > 3000)
    }

    /// Where the reader is unsure it steps aside, and the answer is the decoder's, error included: a sender outside
    /// the enum, a missing or mistyped field, content blocks, a fractional revision, a repeated key.
    @Test(arguments: [
        #"{"text":"hi","sender":"robot"}"#,
        #"{"text":"hi"}"#,
        #"{"sender":"human"}"#,
        #"{"text":1,"sender":"human"}"#,
        #"{"text":"hi","sender":null}"#,
        #"{"text":"hi","sender":"human","app_id":7}"#,
        #"{"text":"hi","sender":"human","journal_revision":"2"}"#,
        #"{"text":"hi","sender":"human","journal_revision":2.0}"#,
        #"{"text":"hi","sender":"human","content_blocks":[{"type":"text"}]}"#,
        #"{"text":"hi","sender":"human","content_blocks":{}}"#,
        #"{"text":"hi","sender":"human","metadata":nul}"#,
        #"{"text":"hi","sender":"human",}"#,
        #"["text","hi"]"#,
        "",
    ])
    func unsureBodiesAreLeftToTheDecoder(json: String) {
        #expect(Request.read(Array(json.utf8)) == nil)
        #expect(Self.path.served(json) == Self.path.decoded(json))
    }

    /// A key written twice counts the first time, as in `JSONDecoder`.
    @Test func aRepeatedKeyCountsOnce() throws {
        let json = #"{"text":"first","sender":"ai","text":"second","sender":"human","app_id":null,"app_id":"x"}"#
        let read = try #require(Request.read(Array(json.utf8)))
        #expect(.success(read) == Self.path.decoded(json))
        #expect(read.text == "first" && read.sender == .ai && read.appId == nil)
    }
}
