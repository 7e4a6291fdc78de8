import SQLKit
import Synchronization

/// Statement texts written once per dialect, bind offset and shape, for statements whose text depends on nothing else
/// (`FixedStatement`, `RepeatedRowsStatement`): interpolating each bind through `SQLQueryString` on every call cost
/// more than SQLite spent running some of them (issue 12).
final class StatementTexts<Shape: Hashable & Sendable>: Sendable {
    private struct Key: Hashable {
        var dialect: String
        /// Binds already written before this statement, which shift its placeholders.
        var offset: Int
        var shape: Shape
    }

    /// A handful of entries: one per shape used, per dialect.
    private let texts = Mutex<[Key: String]>([:])

    /// The text for `shape` in `database`'s dialect, after `offset` binds written before it; `write` builds it once,
    /// given the dialect's placeholder for the statement's n-th bind (from 1).
    func text(_ shape: Shape, in database: any SQLDatabase, offset: Int,
              write: (_ placeholder: (Int) -> String) -> String) -> String {
        let key = Key(dialect: database.dialect.name, offset: offset, shape: shape)
        if let text = texts.withLock({ $0[key] }) { return text }
        var scratch = SQLSerializer(database: database)
        let written = write { n in
            scratch.sql = ""
            database.dialect.bindPlaceholder(at: offset + n).serialize(to: &scratch)
            return scratch.sql
        }
        texts.withLock { $0[key] = written }
        return written
    }
}
