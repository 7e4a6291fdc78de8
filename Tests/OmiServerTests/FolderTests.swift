import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Folders (knowledge.md §4, §1.2)")
struct FolderTests {
    typealias F = FolderTests
    static let keys: Set<String> = ["id", "name", "description", "color", "icon", "created_at", "updated_at", "order",
                                    "is_default", "is_system", "category_mapping", "conversation_count"]
    static let missing = "00000000-0000-4000-8000-000000000000"
    /// name, category_mapping, icon, color, description of the ten system folders, in order.
    static let system: [[String]] = [
        ["Personal", "personal", "👤", "#3B82F6", "Personal life, family matters, self-improvement, and home-related topics"],
        ["Work", "work", "💼", "#EF4444", "Work meetings, job-related discussions, projects, and professional conversations"],
        ["Health", "health", "🏥", "#10B981", "Doctor visits, medical discussions, fitness, gym, diet, and mental wellness"],
        ["Education", "education", "📚", "#8B5CF6", "Learning, courses, studying, school, tutorials, and educational content"],
        ["Finance", "finance", "💰", "#F59E0B", "Money, budgeting, investments, banking, and financial planning"],
        ["Travel", "travel", "\u{2708}\u{FE0F}", "#06B6D4", "Trips, vacations, flights, hotels, and travel planning"],
        ["Social", "social", "👥", "#EC4899", "Friends, social gatherings, parties, and casual hangouts"],
        ["Technology", "technology", "💻", "#6366F1", "Software, coding, tech discussions, apps, and technical topics"],
        ["Entertainment", "entertainment", "🎬", "#F97316", "Movies, music, games, shows, and fun activities"],
        ["Other", "other", "📁", "#6B7280", "Anything that doesn't fit into other folders"],
    ]

    static func list(_ h: TestHarness, as user: String = "user-a") async throws -> [Wire.JSONValue] {
        let r = try await h.call(.get, "/v1/folders", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json.array
    }

    static func create(_ h: TestHarness, _ json: String, as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.post, "/v1/folders", as: user, json: json)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    static func createID(_ h: TestHarness, _ name: String, as user: String = "user-a") async throws -> String {
        try #require(try await create(h, #"{"name":"\#(name)"}"#, as: user)["id"].string)
    }

    static func folder(_ h: TestHarness, _ id: String, as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.get, "/v1/folders/\(id)", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    static func conversationIDs(_ h: TestHarness, _ folder: String, _ query: String = "") async throws -> [String] {
        let r = try await h.call(.get, "/v1/folders/\(folder)/conversations\(query)")
        try #require(r.status == 200, "\(query): \(r.text)")
        return r.json.array.compactMap { $0["id"].string }
    }

    static func folderOf(_ h: TestHarness, _ conversation: String) async throws -> Wire.JSONValue {
        try await h.call(.get, "/v1/conversations/\(conversation)").json["folder_id"]
    }

    static func us(_ v: Wire.JSONValue) -> Int64 { v.string.flatMap(Timestamp.parseMicros) ?? -1 }

    @Test(arguments: TestEngine.available)
    func firstListCreatesTheTenSystemFoldersOnce(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let folders = try await F.list(h)
            #expect(folders.count == 10)
            for (i, f) in folders.enumerated() where i < F.system.count {
                let row = F.system[i]
                #expect(f.keys == F.keys, "\(row[0])")
                #expect([f["name"].string, f["category_mapping"].string, f["icon"].string, f["color"].string, f["description"].string].map { $0 ?? "<null>" } == row)
                #expect(f["order"].int == Int64(i) && f["is_system"].bool == true && f["is_default"].bool == (i == 9), "\(row[0])")
                #expect(f["conversation_count"].int == 0 && UUID(uuidString: f["id"].string ?? "") != nil)
            }
            #expect(try await F.list(h) == folders)
            #expect(try await h.count("folders") == 10)
        }
    }

    @Test(arguments: TestEngine.available)
    func parallelFirstCallsCreateTenFolders(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<4 { group.addTask { try await h.call(.get, "/v1/folders") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.map { $0.json.array.count } == [10, 10, 10, 10])
            #expect(Set(replies.map { Set($0.json.array.compactMap { $0["id"].string }) }).count == 1)
            #expect(try await h.count("folders") == 10)
            // A create as the very first operation also sets up the system folders first.
            let first = try await F.create(h, #"{"name":"Inbox"}"#, as: "user-b")
            #expect(first["order"].int == 10)
            #expect(try await F.list(h, as: "user-b").compactMap { $0["name"].string } == F.system.map { $0[0] } + ["Inbox"])
        }
    }

    @Test(arguments: TestEngine.available)
    func createDefaultsOrderAndValidation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let plain = try await F.create(h, #"{"name":"Projects"}"#)
            #expect(plain.keys == F.keys)
            #expect(plain["name"].string == "Projects" && plain["description"].isNull && plain["category_mapping"].isNull)
            #expect(plain["color"].string == "#6B7280" && plain["icon"].string == "📁" && plain["order"].int == 10)
            #expect(plain["is_system"].bool == false && plain["is_default"].bool == false && plain["conversation_count"].int == 0)
            let full = try await F.create(h, ##"{"name":"Ideas","description":"Loose thoughts","color":"#123456","icon":"💡"}"##)
            #expect(full["description"].string == "Loose thoughts" && full["color"].string == "#123456")
            #expect(full["icon"].string == "💡" && full["order"].int == 11)
            let pid = try #require(plain["id"].string)
            #expect(try await h.call(.patch, "/v1/folders/\(pid)", json: #"{"order":20}"#).json["order"].int == 20)
            #expect(try await F.create(h, #"{"name":"Later"}"#)["order"].int == 21)

            for body in [#"{"name":""}"#, #"{"name":"\#(String(repeating: "n", count: 101))"}"#, #"{}"#, #"{"name":null}"#,
                         #"{"name":5}"#, #"{"name":"Long","description":"\#(String(repeating: "d", count: 501))"}"#] {
                let r = try await h.call(.post, "/v1/folders", json: body)
                #expect(r.status == 422, "\(body.prefix(40))")
            }
            #expect(try await h.count("folders") == 13)
            let longest = try await F.create(h, #"{"name":"\#(String(repeating: "n", count: 100))"}"#)
            #expect(longest["name"].string?.count == 100 && longest["order"].int == 22)
            let names = try await F.list(h).compactMap { $0["name"].string }
            #expect(names == F.system.map { $0[0] } + ["Ideas", "Projects", "Later", String(repeating: "n", count: 100)])
        }
    }

    @Test(arguments: TestEngine.available)
    func fiftyCustomFoldersAtMost(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for i in 0..<50 { _ = try await F.create(h, #"{"name":"Folder \#(i)"}"#) }
            let refused = try await h.call(.post, "/v1/folders", json: #"{"name":"One too many"}"#)
            #expect(refused.status == 400 && refused.detail == "Maximum folder limit reached (50 custom folders)")
            #expect(try await h.count("folders") == 60)
            // System folders do not count towards the limit, and a deletion frees a slot.
            let victim = try #require(try await F.list(h).last?["id"].string)
            #expect(try await h.call(.delete, "/v1/folders/\(victim)").status == 204)
            _ = try await F.create(h, #"{"name":"Replacement"}"#)
            #expect(try await h.count("folders") == 60)
        }
    }

    @Test(arguments: TestEngine.available)
    func patchChangesOnlyKeysPresent(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let f = try await F.create(h, ##"{"name":"Research","description":"Papers","color":"#111111","icon":"🔬"}"##)
            let id = try #require(f["id"].string)
            let renamed = try await h.call(.patch, "/v1/folders/\(id)", json: #"{"name":"Reading"}"#).json
            #expect(renamed["name"].string == "Reading" && renamed["description"].string == "Papers")
            #expect(renamed["color"].string == "#111111" && renamed["icon"].string == "🔬" && renamed["order"].int == f["order"].int)
            #expect(renamed["created_at"] == f["created_at"] && F.us(renamed["updated_at"]) > F.us(f["updated_at"]))
            let cleared = try await h.call(.patch, "/v1/folders/\(id)", json: #"{"description":null}"#).json
            #expect(cleared["description"].isNull && cleared["name"].string == "Reading" && cleared["color"].string == "#111111")
            for body in [#"{"name":null}"#, #"{"name":""}"#, #"{"name":"\#(String(repeating: "x", count: 101))"}"#, #"{"order":"first"}"#] {
                let r = try await h.call(.patch, "/v1/folders/\(id)", json: body)
                #expect(r.status == 422, "\(body.prefix(40))")
            }
            #expect(try await F.folder(h, id) == cleared)
            let moved = try await h.call(.patch, "/v1/folders/\(id)", json: ##"{"order":3,"color":"#222222","icon":"📖","description":"Books"}"##).json
            #expect(moved["order"].int == 3 && moved["color"].string == "#222222" && moved["icon"].string == "📖")
            #expect(moved["description"].string == "Books" && moved["name"].string == "Reading")
            #expect(try await F.folder(h, id) == moved)
            // Equal orders fall back to created_at: the system Education folder (order 3) stays first.
            let names = try await F.list(h).compactMap { $0["name"].string }
            #expect(Array(names.prefix(6)) == ["Personal", "Work", "Health", "Education", "Reading", "Finance"])

            let work = try await F.list(h)[1]
            let workID = try #require(work["id"].string)
            let job = try await h.call(.patch, "/v1/folders/\(workID)", json: ##"{"name":"Job","color":"#000000"}"##)
            #expect(job.status == 200 && job.json["name"].string == "Job" && job.json["color"].string == "#000000")
            #expect(job.json["is_system"].bool == true && job.json["category_mapping"].string == "work")
            #expect(job.json["description"] == work["description"] && job.json["icon"] == work["icon"])
            let missing = try await h.call(.patch, "/v1/folders/\(F.missing)", json: #"{"name":"Ghost"}"#)
            #expect(missing.status == 404 && missing.detail == "Folder not found")
            let get = try await h.call(.get, "/v1/folders/\(F.missing)")
            #expect(get.status == 404 && get.detail == "Folder not found")
            #expect(try await h.count("folders") == 11)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteMovesEveryConversation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let system = try await F.list(h)
            let other = try #require(system[9]["id"].string)
            let work = try #require(system[1]["id"].string)
            let temp = try await F.createID(h, "Temp")
            let target = try await F.createID(h, "Target")
            let refusals: [(String, Int, String)] = [
                ("/v1/folders/\(work)", 400, "Cannot delete system folder"),
                ("/v1/folders/\(temp)?move_to_folder_id=\(temp)", 400, "Cannot move conversations to the folder being deleted"),
                ("/v1/folders/\(temp)?move_to_folder_id=\(F.missing)", 404, "Target folder not found"),
                ("/v1/folders/\(F.missing)", 404, "Folder not found"),
            ]
            for (path, status, detail) in refusals {
                let r = try await h.call(.delete, path)
                #expect(r.status == status && r.detail == detail, "\(path)")
            }
            #expect(try await h.count("folders") == 12)

            var ids: Set<String> = []
            for _ in 0..<150 { ids.insert(try await h.seedConversation(folderId: temp)) }
            let dropped = try await h.seedConversation(discarded: true, folderId: temp)
            #expect(try await F.folder(h, temp)["conversation_count"].int == 150)
            let deleted = try await h.call(.delete, "/v1/folders/\(temp)")
            #expect(deleted.status == 204 && deleted.text.isEmpty)
            #expect(try await h.call(.get, "/v1/folders/\(temp)").status == 404)
            #expect(try await F.folder(h, other)["conversation_count"].int == 150)
            #expect(Set(try await F.conversationIDs(h, other, "?limit=1000")) == ids)
            #expect(try await F.folderOf(h, dropped).string == other)

            let second = try await F.createID(h, "Second")
            var moved: [String] = []
            for _ in 0..<3 { moved.append(try await h.seedConversation(folderId: second)) }
            #expect(try await h.call(.delete, "/v1/folders/\(second)?move_to_folder_id=\(target)").status == 204)
            #expect(Set(try await F.conversationIDs(h, target)) == Set(moved))
            #expect(try await F.folder(h, other)["conversation_count"].int == 150)
            #expect(try await h.count("folders") == 11)
            #expect(try await h.count("conversations") == 154)
        }
    }

    @Test(arguments: TestEngine.available)
    func reorderSetsIndexesOrChangesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let system = try await F.list(h)
            let x = try await F.createID(h, "X"), y = try await F.createID(h, "Y"), z = try await F.createID(h, "Z")
            let r = try await h.call(.post, "/v1/folders/reorder", json: #"{"folder_ids":["\#(z)","\#(x)","\#(y)"]}"#)
            #expect(r.status == 200 && r.json == .object(["status": .string("ok")]))
            let after = try await F.list(h)
            let order = Dictionary(uniqueKeysWithValues: after.map { ($0["id"].string ?? "", $0["order"].int ?? -1) })
            #expect([order[z], order[x], order[y]] == [0, 1, 2])
            #expect(system.map { order[$0["id"].string ?? ""] } == (0..<10).map { Optional(Int64($0)) })

            let unknown = try await h.call(.post, "/v1/folders/reorder", json: #"{"folder_ids":["\#(x)","nope"]}"#)
            #expect(unknown.status == 422)
            #expect(unknown.json["detail"] == .object(["message": .string("Unknown folder IDs"), "folder_ids": .array([.string("nope")])]))
            for body in [#"{"folder_ids":["\#(y)","\#(x)","\#(y)"]}"#, #"{"folder_ids":[]}"#, #"{}"#] {
                #expect(try await h.call(.post, "/v1/folders/reorder", json: body).status == 422, "\(body)")
            }
            #expect(try await F.list(h) == after)
        }
    }

    @Test(arguments: TestEngine.available)
    func folderConversationsAndCounts(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let f = try await F.createID(h, "Listing")
            let g = try await F.createID(h, "Elsewhere")
            let t = Timestamp.parse("2030-01-01T00:00:00Z")!
            func seed(_ minutes: Double, _ folder: String?, discarded: Bool = false) async throws -> String {
                try await h.seedConversation(createdAt: t.addingTimeInterval(minutes * 60), discarded: discarded, folderId: folder)
            }
            let c1 = try await seed(0, f), c2 = try await seed(1, f), c3 = try await seed(2, f)
            let d = try await seed(3, f, discarded: true)
            _ = try await seed(4, g)
            _ = try await seed(5, nil)
            #expect(try await F.conversationIDs(h, f) == [c3, c2, c1])
            #expect(try await F.conversationIDs(h, f, "?include_discarded=true") == [d, c3, c2, c1])
            #expect(try await F.conversationIDs(h, f, "?limit=2&offset=1") == [c2, c1])
            #expect(try await F.conversationIDs(h, f, "?limit=1000&offset=3").isEmpty)
            for query in ["?limit=0", "?limit=1001", "?offset=-1", "?limit=abc"] {
                #expect(try await h.call(.get, "/v1/folders/\(f)/conversations\(query)").status == 422, "\(query)")
            }
            let missing = try await h.call(.get, "/v1/folders/\(F.missing)/conversations")
            #expect(missing.status == 404 && missing.detail == "Folder not found")
            #expect(try await F.folder(h, f)["conversation_count"].int == 3)
            let counts = try await F.list(h).filter { [f, g].contains($0["id"].string ?? "") }.map { $0["conversation_count"].int }
            #expect(counts == [3, 1])
        }
    }

    @Test(arguments: TestEngine.available)
    func bulkMoveIsAllOrNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let f = try await F.createID(h, "Bulk")
            let c1 = try await h.seedConversation(), c2 = try await h.seedConversation(), c3 = try await h.seedConversation()
            let path = "/v1/folders/\(f)/conversations/bulk-move"
            let ok = try await h.call(.post, path, json: #"{"conversation_ids":["\#(c1)","\#(c2)","\#(c1)"]}"#)
            #expect(ok.status == 200 && ok.json == .object(["status": .string("ok"), "moved_count": .int(2)]))
            #expect(try await F.folder(h, f)["conversation_count"].int == 2)
            #expect(try await F.folderOf(h, c1).string == f)
            #expect(try await F.folderOf(h, c3).isNull)

            let partial = try await h.call(.post, path, json: #"{"conversation_ids":["\#(c3)","\#(F.missing)"]}"#)
            #expect(partial.status == 404 && partial.detail == "Conversation \(F.missing) not found")
            let noFolder = try await h.call(.post, "/v1/folders/\(F.missing)/conversations/bulk-move", json: #"{"conversation_ids":["\#(c3)"]}"#)
            #expect(noFolder.status == 404 && noFolder.detail == "Folder not found")
            let many = ([c3] + (1...100).map { "ghost-\($0)" }).map { #""\#($0)""# }.joined(separator: ",")
            #expect(try await h.call(.post, path, json: #"{"conversation_ids":[\#(many)]}"#).status == 422)
            #expect(try await F.folderOf(h, c3).isNull)
            #expect(try await F.folder(h, f)["conversation_count"].int == 2)

            // Duplicates collapse before the 100-id limit.
            let repeated = Array(repeating: #""\#(c3)""#, count: 150).joined(separator: ",")
            let dup = try await h.call(.post, path, json: #"{"conversation_ids":[\#(repeated)]}"#)
            #expect(dup.status == 200 && dup.json["moved_count"].int == 1)
            #expect(try await F.folderOf(h, c3).string == f)
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUserCannotTouchFolders(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let fa = try await F.createID(h, "A private")
            let ca = try await h.seedConversation(uid: "user-a", folderId: fa)
            let cb = try await h.seedConversation(uid: "user-b")
            let aBefore = try await F.list(h)
            let bList = try await F.list(h, as: "user-b")
            #expect(bList.compactMap { $0["name"].string } == F.system.map { $0[0] })
            #expect(Set(bList.compactMap { $0["id"].string }).isDisjoint(with: aBefore.compactMap { $0["id"].string }))
            let bCustom = try await F.createID(h, "B own", as: "user-b")
            let bOther = try #require(bList[9]["id"].string)

            let notFound: [(HTTPRequest.Method, String, String?, String)] = [
                (.get, "/v1/folders/\(fa)", nil, "Folder not found"),
                (.patch, "/v1/folders/\(fa)", #"{"name":"Stolen"}"#, "Folder not found"),
                (.delete, "/v1/folders/\(fa)", nil, "Folder not found"),
                (.get, "/v1/folders/\(fa)/conversations", nil, "Folder not found"),
                (.post, "/v1/folders/\(fa)/conversations/bulk-move", #"{"conversation_ids":["\#(cb)"]}"#, "Folder not found"),
                (.post, "/v1/folders/\(bOther)/conversations/bulk-move", #"{"conversation_ids":["\#(ca)"]}"#, "Conversation \(ca) not found"),
                (.patch, "/v1/conversations/\(cb)/folder", #"{"folder_id":"\#(fa)"}"#, "Folder not found"),
                (.delete, "/v1/folders/\(bCustom)?move_to_folder_id=\(fa)", nil, "Target folder not found"),
            ]
            for (method, path, body, detail) in notFound {
                let r = try await h.call(method, path, as: "user-b", json: body)
                #expect(r.status == 404 && r.detail == detail, "\(method) \(path): \(r.text)")
            }
            let reorder = try await h.call(.post, "/v1/folders/reorder", as: "user-b", json: #"{"folder_ids":["\#(fa)"]}"#)
            #expect(reorder.status == 422 && reorder.json["detail"]["folder_ids"] == .array([.string(fa)]))

            #expect(try await F.list(h) == aBefore)
            #expect(try await F.folderOf(h, ca).string == fa)
            #expect(try await h.call(.get, "/v1/conversations/\(cb)", as: "user-b").json["folder_id"].isNull)
            #expect(try await h.count("folders") == 11)
            #expect(try await h.count("folders", uid: "user-b") == 11)
        }
    }
}
