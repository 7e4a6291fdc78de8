import SQLKit

/// A statement whose text never changes, written with `?` where each bind goes: its text for a dialect is written
/// once and reused, and the binds are handed over as they are.
///
/// Interpolated through `SQLQueryString`, every bind costs a placeholder expression and its serialisation on each
/// call; a chat message save runs four such statements, and writing them was 3% of the save (issue 12). The text is
/// the same SQL `SQLQueryString` writes (`FixedStatementTests`), so both engines run it as before. The template must
/// hold no other `?` (no string literal or operator with one); `init` cannot tell them apart.
final class FixedStatement: Sendable {
    /// The template's text between its placeholders; one more than the binds.
    private let parts: [String]

    /// One text per dialect and offset; the shape never varies, so it is always 0.
    private let texts = StatementTexts<Int>()

    init(_ template: String) {
        parts = template.split(separator: "?", omittingEmptySubsequences: false).map(String.init)
    }

    /// How many binds the statement takes.
    var bindCount: Int { parts.count - 1 }

    /// The statement with `binds`, in the order of the template's placeholders.
    func callAsFunction(_ binds: any Encodable & Sendable...) -> Expression {
        precondition(binds.count == bindCount, "expected \(bindCount) binds, got \(binds.count)")
        return Expression(shape: self, binds: binds)
    }

    struct Expression: PrewrittenStatement {
        let shape: FixedStatement
        let binds: [any Encodable & Sendable]

        func text(in database: any SQLDatabase, offset: Int) -> String {
            shape.text(in: database, offset: offset)
        }
    }

    func text(in database: any SQLDatabase, offset: Int) -> String {
        texts.text(0, in: database, offset: offset) { placeholder in
            var text = parts[0]
            for (index, part) in parts.dropFirst().enumerated() { text += placeholder(index + 1) + part }
            return text
        }
    }
}

extension SQLDatabase {
    /// Runs `statement`, ignoring any rows.
    func run(_ statement: some PrewrittenStatement) async throws {
        try await execute(statement) { _ in }
    }

    /// The first row of `statement`, decoded by `decode`; nil when it has none.
    func first<T: Sendable>(_ statement: some PrewrittenStatement,
                            _ decode: @escaping @Sendable (any SQLRow) throws -> T) async throws -> T? {
        let found = FirstRow<T>()
        try await execute(statement) { row in
            guard found.value == nil else { return }
            found.value = Result { try decode(row) }
        }
        return try found.value?.get()
    }
}

/// The row `first` keeps; only the statement's row callback writes it, one row at a time, before `execute` returns.
private final class FirstRow<T: Sendable>: @unchecked Sendable {
    var value: Result<T, any Error>?
}
