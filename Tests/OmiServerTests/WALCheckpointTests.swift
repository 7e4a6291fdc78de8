import Foundation
@testable import OmiStorage
import SQLiteNIO
import Testing

/// The write-ahead log is copied back into the database file beside the writer, and it stays bounded under writes
/// that never pause.
@Suite("SQLite checkpoints beside the writer")
struct WALCheckpointTests {
    static let pageFrame = 4096 + 24

    struct Files {
        let database: String
        var log: String { database + "-wal" }
        func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
    }

    /// A writer handing its checkpoints to a checkpointer of `threshold` pages, over a table of 1 KiB rows.
    static func withWriter(threshold: Int32,
                           _ body: (SQLiteDirectConnection, WALCheckpointer, Files) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omi-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = Files(database: directory.appendingPathComponent("wal.sqlite").path)
        let writer = try SQLiteDirectConnection(path: files.database)
        let checkpointer = try WALCheckpointer(path: files.database, threshold: threshold)
        writer.checkpointAfterCommits(checkpointer)
        defer {
            checkpointer.stop()
            writer.close()
        }
        try writer.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", binds: []) { _ in }
        try body(writer, checkpointer, files)
    }

    static func insert(_ writer: SQLiteDirectConnection, _ id: Int) throws {
        try writer.run("INSERT INTO notes VALUES (?1, ?2)",
                       binds: [.integer(id), .text(String(repeating: "n", count: 1024))]) { _ in }
    }

    static func count(_ path: String) throws -> Int {
        let reader = try SQLiteDirectConnection(path: path)
        defer { reader.close() }
        var n = 0
        try reader.run("SELECT COUNT(*) FROM notes", binds: []) { row in
            if case .integer(let value) = row.values[0] { n = Int(value) }
        }
        return n
    }

    /// Fewer pages than the writer's catch-up point: only the background copies them into the database file.
    @Test func theLogReachesTheDatabaseFileWithoutTheWriterCheckpointing() throws {
        try Self.withWriter(threshold: 40) { writer, checkpointer, files in
            let before = files.size(files.database)
            var id = 0
            while files.size(files.log) < 60 * Self.pageFrame {
                try Self.insert(writer, id)
                id += 1
            }
            checkpointer.waitForIdle()
            #expect(checkpointer.checkpointsRun >= 1)
            // About 60 rows of 1 KiB: the copied pages are in the database file itself now.
            #expect(files.size(files.database) >= before + 40 * 1024)
            #expect(try Self.count(files.database) == id)
        }
    }

    /// A checkpoint beside a writer that never pauses never reaches the log's end, and SQLite starts the log over
    /// only once all of it is copied. However late the background is, the writer's own catch-up keeps the file near
    /// `writerCatchUp` pages; without it, these 3000 commits would leave a log of thousands of pages.
    @Test func theLogStaysBoundedWhileTheBackgroundLags() throws {
        try Self.withWriter(threshold: 16) { writer, checkpointer, files in
            checkpointer.pause()
            var largest = 0
            for id in 0..<3000 {
                try Self.insert(writer, id)
                largest = max(largest, files.size(files.log))
            }
            checkpointer.resume()
            checkpointer.waitForIdle()
            // One commit here is a page or two: the log restarts at the next commit once the writer has caught up.
            #expect(largest <= Int(checkpointer.writerCatchUp + 4) * Self.pageFrame + 32)
            #expect(try Self.count(files.database) == 3000)
        }
    }

    /// After `stop`, commits no longer start checkpoints, and the writer still commits.
    @Test func aStoppedCheckpointerStartsNothing() throws {
        try Self.withWriter(threshold: 4) { writer, checkpointer, files in
            checkpointer.stop()
            let before = checkpointer.checkpointsRun
            for id in 0..<40 { try Self.insert(writer, id) }
            #expect(checkpointer.checkpointsRun == before)
            #expect(try Self.count(files.database) == 40)
        }
    }
}
