import Foundation
import HTTPTypes
import NIOCore
import OmiContract
import Testing
@testable import OmiServer

@Suite("Chat file upload (chat.md §7)")
struct ChatFileTests {
    struct Part {
        var name = "files"
        var filename: String?
        var contentType: String?
        var bytes: [UInt8]
    }

    static let boundary = "Boundary-3F2504E0-4F89-11D3-9A0C-0305E82C3301"

    static func multipart(_ parts: [Part]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for part in parts {
            buffer.writeString("--\(boundary)\r\n")
            var disposition = "Content-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { disposition += "; filename=\"\(filename)\"" }
            buffer.writeString(disposition + "\r\n")
            if let type = part.contentType { buffer.writeString("Content-Type: \(type)\r\n") }
            buffer.writeString("\r\n")
            buffer.writeBytes(part.bytes)
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }

    static func upload(_ h: TestHarness, _ parts: [Part], as user: String = TestHarness.defaultUser,
                       query: String = "") async throws -> Reply {
        try await upload(h, body: multipart(parts), contentType: "multipart/form-data; boundary=\(boundary)",
                         as: user, query: query)
    }

    static func upload(_ h: TestHarness, body: ByteBuffer, contentType: String,
                       as user: String = TestHarness.defaultUser, query: String = "") async throws -> Reply {
        let headers: HTTPFields = [.authorization: "Bearer \(h.token(user))", .contentType: contentType]
        let response = try await h.client.execute(uri: "/v2/files" + query, method: .post, headers: headers, body: body)
        return Reply(status: response.status.code, headers: response.headers, text: String(buffer: response.body))
    }

    static func stored(_ h: TestHarness, uid: String = TestHarness.defaultUser) async throws -> [String: (name: String, type: String, bytes: Data)] {
        try await h.database.withConnection { db in
            var files: [String: (name: String, type: String, bytes: Data)] = [:]
            for row in try await db.raw("SELECT id, name, mime_type, content FROM chat_files WHERE uid = \(bind: uid)").all() {
                files[try row.decode(column: "id", as: String.self)] = (
                    try row.decode(column: "name", as: String.self), try row.decode(column: "mime_type", as: String.self),
                    try row.decode(column: "content", as: Data?.self) ?? Data())
            }
            return files
        }
    }

    @Test(arguments: TestEngine.available)
    func twoPartsGiveTwoFilesInOrderAndKeepTheirBytes(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D]
            let r = try await Self.upload(h, [
                Part(filename: "/Users/me/Desktop/a.png", contentType: "image/png", bytes: png),
                Part(name: "note", bytes: Array("ignored".utf8)),
                Part(filename: "C:\\docs\\report.pdf", contentType: "application/pdf", bytes: Array("%PDF-1.7".utf8)),
                Part(bytes: Array("no name, no type".utf8)),
            ], query: "?app_id=no_selected")
            #expect(r.status == 200)
            let files = r.json.array
            #expect(files.map { $0["name"].string } == ["a.png", "report.pdf", "upload"])
            #expect(files.map { $0["mime_type"].string } == ["image/png", "application/pdf", "application/octet-stream"])
            for file in files {
                #expect(file.keys == ["id", "name", "mime_type", "thumbnail", "openai_file_id", "created_at"])
                #expect(file["thumbnail"].string == "" && file["openai_file_id"].string == "")
                let id = try #require(file["id"].string)
                #expect(UUID(uuidString: id) != nil && id == id.lowercased())
                let created = try #require(file["created_at"].string)
                let date = try #require(Timestamp.parse(created))
                #expect(created.hasSuffix("Z") && abs(date.timeIntervalSinceNow) < 300)
            }
            let stored = try await Self.stored(h)
            #expect(stored.count == 3)
            let first = try #require(stored[files[0]["id"].string ?? ""])
            #expect(first.bytes == Data(png) && first.name == "a.png" && first.type == "image/png")
            let third = try #require(stored[files[2]["id"].string ?? ""])
            #expect(third.bytes == Data("no name, no type".utf8))
        }
    }

    @Test(arguments: TestEngine.available)
    func anOversizedPartIs413AndNothingOfTheUploadIsKept(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let big = [UInt8](repeating: 0x61, count: 50 * 1024 * 1024 + 1)
            let r = try await Self.upload(h, [
                Part(filename: "small.txt", contentType: "text/plain", bytes: Array("fine".utf8)),
                Part(filename: "big.bin", contentType: "application/octet-stream", bytes: big),
            ])
            #expect(r.status == 413 && r.json.keys == ["detail"] && r.detail == "File too large (max 50 MB)")
            let after = try await h.count("chat_files")
            #expect(after == 0)
            // Exactly 50 MiB is allowed.
            let edge = try await Self.upload(h, [Part(filename: "edge.bin", bytes: Array(big.dropLast()))])
            #expect(edge.status == 200 && edge.json.array.count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func badBodiesAre422AndStoreNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let noFiles = try await Self.upload(h, [Part(name: "other", filename: "x.txt", bytes: [1, 2, 3])])
            #expect(noFiles.status == 422 && noFiles.json["detail"][0]["loc"].array.map(\.string) == ["body", "files"])
            let empty = try await Self.upload(h, [])
            #expect(empty.status == 422)
            let json = try await Self.upload(h, body: ByteBuffer(string: #"{"files":[]}"#), contentType: "application/json")
            #expect(json.status == 422 && json.json["detail"].array.isEmpty == false)
            let garbage = try await Self.upload(h, body: ByteBuffer(string: "not multipart at all"),
                                                contentType: "multipart/form-data; boundary=\(Self.boundary)")
            #expect(garbage.status == 422)
            let eleven = try await Self.upload(h, (0..<11).map { Part(filename: "f\($0).txt", bytes: [UInt8($0)]) })
            #expect(eleven.status == 422)
            let stored = try await h.count("chat_files")
            #expect(stored == 0)
            let ten = try await Self.upload(h, (0..<10).map { Part(filename: "f\($0).txt", bytes: [UInt8($0)]) })
            #expect(ten.status == 200 && ten.json.array.count == 10)
        }
    }

    @Test(arguments: TestEngine.available)
    func uploadsNeedATokenAndStayWithTheirOwner(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let anonymous = try await h.client.execute(
                uri: "/v2/files", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(Self.boundary)"],
                body: Self.multipart([Part(filename: "a.txt", bytes: [1])]))
            #expect(anonymous.status == .unauthorized)
            let a = try await Self.upload(h, [Part(filename: "a.txt", bytes: Array("A's".utf8))])
            let b = try await Self.upload(h, [Part(filename: "b.txt", bytes: Array("B's".utf8))], as: "user-b")
            #expect(a.status == 200 && b.status == 200)
            let mine = try await Self.stored(h)
            let theirs = try await Self.stored(h, uid: "user-b")
            #expect(mine.values.map(\.name) == ["a.txt"] && theirs.values.map(\.name) == ["b.txt"])
            // Deleting A's account removes A's files only.
            let deleted = try await h.call(.delete, "/v1/users/delete-account")
            #expect(deleted.status == 200)
            let left = try await h.count("chat_files")
            let bLeft = try await h.count("chat_files", uid: "user-b")
            #expect(left == 0 && bLeft == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func theFortyFirstUploadInAnHourIs429(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.rateLimitMultiplier = 1 }) { h in
            for i in 0..<40 {
                let r = try await Self.upload(h, [Part(filename: "f\(i).txt", bytes: [1])])
                #expect(r.status == 200)
            }
            let refused = try await Self.upload(h, [Part(filename: "late.txt", bytes: [1])])
            #expect(refused.status == 429 && refused.detail == "Rate limit exceeded")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            let stored = try await h.count("chat_files")
            #expect(stored == 40)
            let b = try await Self.upload(h, [Part(filename: "b.txt", bytes: [1])], as: "user-b")
            #expect(b.status == 200)
        }
    }
}
