import Foundation
import HTTPTypes
import NIOCore
import OmiContract
import Testing
@testable import OmiServer
@testable import OmiStorage

/// A `\u0000` in a body, or `%00` in a path, is stored or looked up on both engines, never a 500. PostgreSQL text
/// cannot hold a NUL: a body's NUL escapes become U+FFFD at the door on both engines, and any other NUL that reaches
/// PostgreSQL (a path or query) is bound as U+FFFD.
@Suite("Text holding a NUL")
struct TextWithNULTests {
    static let stored = "a\u{FFFD}b"

    @Test(arguments: TestEngine.available)
    func bodiesHoldingANULAreStored(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let item = try await h.call(.post, "/v1/action-items", json: #"{"description":"a\u0000b","priority":"x\u0000"}"#)
            #expect(item.status == 200, "\(item.text)")
            #expect(item.json["description"].string == Self.stored)
            let id = try #require(item.json["id"].string)
            let listed = try await h.call(.get, "/v1/action-items")
            #expect(listed.json["action_items"].array.first { $0["id"].string == id }?["description"].string
                    == Self.stored)

            let batch = try await h.call(.post, "/v1/action-items/batch",
                                         json: #"{"items":[{"description":"a\u0000b","recurrence_rule":"d\u0000"}]}"#)
            #expect(batch.status == 200, "\(batch.text)")
            #expect(try await h.count("action_items") == 2)

            let message = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"a\u0000b","sender":"human"}"#)
            #expect(message.status == 200, "\(message.text)")
            let messages = try await h.call(.get, "/v2/desktop/messages")
            #expect(messages.json.array.first?["text"].string == Self.stored)

            let memories = try await h.call(.post, "/v3/memories/batch",
                                            json: #"{"memories":[{"content":"a\u0000b","tags":["t\u0000"]}]}"#)
            #expect(memories.status == 200, "\(memories.text)")
            let memory = try await h.call(.get, "/v3/memories")
            #expect(memory.json.array.first?["content"].string == Self.stored)
        }
    }

    @Test(arguments: TestEngine.available)
    func idsHoldingANULMatchNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await h.addActionItemID("Keep me")
            for (method, path, body) in [
                (.get, "/v1/action-items/a%00b", nil), (.patch, "/v1/action-items/a%00b", #"{"completed":true}"#),
                (.delete, "/v1/action-items/a%00b", nil), (.get, "/v1/conversations/a%00b", nil),
                (.post, "/v2/messages/share", #"{"message_ids":["a\u0000b"]}"#),
            ] as [(HTTPRequest.Method, String, String?)] {
                let reply = try await h.call(method, path, json: body)
                #expect(reply.status == 404, "\(method) \(path): \(reply.status) \(reply.text)")
            }
            let scores = try await h.call(.patch, "/v1/action-items/batch-scores",
                                          json: #"{"scores":[{"id":"a\u0000b","relevance_score":3}]}"#)
            #expect(scores.status == 200, "\(scores.text)")
            #expect(try await h.call(.get, "/v1/action-items/\(id)").json["relevance_score"].isNull)
        }
    }

    @Test func onlyNULEscapesOfAJSONBodyChange() {
        func rewritten(_ text: String, _ contentType: String? = "application/json") -> String {
            var buffer = ByteBuffer(string: "xx" + text)
            buffer.moveReaderIndex(forwardBy: 2)
            NULEscapes.replace(in: &buffer, contentType: contentType)
            return String(buffer: buffer)
        }
        #expect(rewritten(#"{"a":"\u0000"}"#) == #"{"a":"\ufffd"}"#)
        #expect(rewritten(#"["\u0000\u00001\\\u0000"]"#, "application/json; charset=utf-8")
                == #"["\ufffd\ufffd1\\\ufffd"]"#)
        #expect(rewritten(#"["\\u0000","\u0001","\u000","\u00"]"#) == #"["\\u0000","\u0001","\u000","\u00"]"#)
        #expect(rewritten(#"["\u0000"]"#, "multipart/form-data; boundary=x") == #"["\u0000"]"#)
        #expect(rewritten(#"["\u0000"]"#, nil) == #"["\u0000"]"#)
        #expect(rewritten(#"\u0000"#) == #"\ufffd"#)
        #expect(rewritten(#"\u000"#) == #"\u000"#)
    }

    @Test func onlyTextBindsHoldingANULChange() {
        #expect(NULFreeBinds.withoutNUL("plain") == nil)
        #expect(NULFreeBinds.withoutNUL("a\u{0}b\u{0}") as? String == "a\u{FFFD}b\u{FFFD}")
        #expect(NULFreeBinds.withoutNUL(Optional("\u{0}")) as? String == "\u{FFFD}")
        #expect(NULFreeBinds.withoutNUL(String?.none) == nil)
        #expect(NULFreeBinds.withoutNUL(["x", "y\u{0}"]) as? [String] == ["x", "y\u{FFFD}"])
        #expect(NULFreeBinds.withoutNUL(["x", "y"]) == nil)
        #expect(NULFreeBinds.withoutNUL(Data([0, 1])) == nil)
        #expect(NULFreeBinds.withoutNUL(0) == nil)
    }
}
