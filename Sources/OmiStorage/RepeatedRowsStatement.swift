import SQLKit
import SQLiteNIO

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

    /// One text per row count used.
    private let texts = StatementTexts<Int>()

    init(head: String, width: Int, tail: String) {
        self.head = head
        self.width = width
        self.tail = tail
    }

    /// The statement for `values`, `width` per row, row after row.
    func callAsFunction(_ values: [SQLValue]) -> Expression {
        precondition(!values.isEmpty && values.count % width == 0, "binds must fill whole rows")
        return Expression(shape: self, values: values)
    }

    struct Expression: PrewrittenStatement {
        let shape: RepeatedRowsStatement
        let values: [SQLValue]

        var binds: [any Encodable & Sendable] { values.map(\.encodable) }

        func sqliteBinds() -> [SQLiteData] { values.map(\.sqliteData) }

        func text(in database: any SQLDatabase, offset: Int) -> String {
            shape.text(rows: values.count / shape.width, in: database, offset: offset)
        }
    }

    func text(rows: Int, in database: any SQLDatabase, offset: Int) -> String {
        texts.text(rows, in: database, offset: offset) { placeholder in
            var text = head + " "
            for row in 0..<rows {
                text += row == 0 ? "(" : ", ("
                for column in 0..<width {
                    if column > 0 { text += ", " }
                    text += placeholder(row * width + column + 1)
                }
                text += ")"
            }
            return text + " " + tail
        }
    }
}
