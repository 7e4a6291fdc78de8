import SQLKit
import Synchronization

/// A multi-row statement, `head (?, ?, …), (?, ?, …) tail`, whose text depends only on how many rows it has: the
/// text is written once per dialect and row count and then reused, and the binds are handed over as they are.
///
/// Written through `SQLQueryString`, each bind cost an interpolation, a placeholder expression and its serialisation;
/// for a 20-row screen sync (360 binds) that was 12% of the request, more than SQLite spent running it (issue 12).
/// The text is the same SQL either way, so both engines run it as before.
final class RepeatedRowsStatement: Sendable {
    let head: String
    /// Binds per row.
    let width: Int
    let tail: String

    private struct Key: Hashable {
        var dialect: String
        var rows: Int
        /// Binds already written before this statement, which shift its placeholders.
        var offset: Int
    }

    /// A handful of entries: one per row count used, per dialect.
    private let texts = Mutex<[Key: String]>([:])

    init(head: String, width: Int, tail: String) {
        self.head = head
        self.width = width
        self.tail = tail
    }

    /// The statement for `binds`, `width` per row, row after row.
    func callAsFunction(_ binds: [any Encodable & Sendable]) -> some SQLExpression {
        precondition(!binds.isEmpty && binds.count % width == 0, "binds must fill whole rows")
        return Expression(shape: self, binds: binds)
    }

    struct Expression: SQLExpression {
        let shape: RepeatedRowsStatement
        let binds: [any Encodable & Sendable]

        func serialize(to serializer: inout SQLSerializer) {
            serializer.write(shape.text(rows: binds.count / shape.width, after: serializer))
            serializer.binds.append(contentsOf: binds)
        }
    }

    func text(rows: Int, after serializer: SQLSerializer) -> String {
        let key = Key(dialect: serializer.dialect.name, rows: rows, offset: serializer.binds.count)
        if let text = texts.withLock({ $0[key] }) { return text }
        var text = head + " "
        var placeholders = SQLSerializer(database: serializer.database)
        for row in 0..<rows {
            text += row == 0 ? "(" : ", ("
            for column in 0..<width {
                if column > 0 { text += ", " }
                placeholders.sql = ""
                serializer.dialect.bindPlaceholder(at: key.offset + row * width + column + 1).serialize(to: &placeholders)
                text += placeholders.sql
            }
            text += ")"
        }
        text += " " + tail
        let written = text
        texts.withLock { $0[key] = written }
        return written
    }
}
