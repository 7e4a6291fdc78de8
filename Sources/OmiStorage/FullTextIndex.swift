import SQLKit

/// One row's entry in a full-text index (knowledge.md §9), for a table with a SQLite FTS5 companion
/// (`<table>_fts`, tied by `search_rowid`) and a PostgreSQL `search_vector` column. Texts go in already folded and
/// split into terms (`SearchText.indexed`); weights A, B, C follow the order of `texts`.
struct FullTextIndex {
    let table: String
    /// The FTS5 columns, in the order of the texts given to `write`.
    let columns: [String]

    var ftsTable: String { table + "_fts" }

    func write(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, id: String, texts: [String]) async throws {
        switch kind {
        case .postgres:
            var vector: SQLQueryString = ""
            for (index, text) in texts.enumerated() {
                let weight = ["A", "B", "C", "D"][min(index, 3)]
                if index > 0 { vector = vector + " || " }
                vector = vector + "setweight(to_tsvector('simple', \(bind: text)), '\(unsafeRaw: weight)')"
            }
            try await db.raw("""
                UPDATE \(unsafeRaw: table) SET search_vector = \(vector) WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).run()
        case .sqlite:
            var rowid = try await db.raw("""
                SELECT search_rowid FROM \(unsafeRaw: table) WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).first()?.decode(column: "search_rowid", as: Int64?.self)
            if let rowid {
                try await db.raw("DELETE FROM \(unsafeRaw: ftsTable) WHERE rowid = \(bind: rowid)").run()
            } else {
                // Writers are serialised on SQLite, so the next number cannot be taken twice.
                let next = try await db.raw("SELECT COALESCE(MAX(search_rowid), 0) + 1 AS n FROM \(unsafeRaw: table)")
                    .first()?.decode(column: "n", as: Int64.self) ?? 1
                try await db.raw("""
                    UPDATE \(unsafeRaw: table) SET search_rowid = \(bind: next) WHERE uid = \(bind: uid) AND id = \(bind: id)
                    """).run()
                rowid = next
            }
            var values: SQLQueryString = "\(bind: rowid)"
            for text in texts { values = values + ", \(bind: text)" }
            try await db.raw("""
                INSERT INTO \(unsafeRaw: ftsTable) (rowid, \(unsafeRaw: columns.joined(separator: ", "))) VALUES (\(values))
                """).run()
        }
    }

    /// Removes the entries of the rows matching `condition` (over the table's own columns); call before deleting them.
    func remove(_ db: any SQLDatabase, kind: DatabaseKind, where condition: SQLQueryString) async throws {
        guard kind == .sqlite else { return }
        try await db.raw("""
            DELETE FROM \(unsafeRaw: ftsTable) WHERE rowid IN (SELECT search_rowid FROM \(unsafeRaw: table) WHERE \(condition))
            """).run()
    }

    /// The `FROM … WHERE <match> AND` head of a search over alias `alias`, and its ranking, best first.
    func search(kind: DatabaseKind, alias: String, terms: [String], weights: String) -> (from: SQLQueryString, rank: SQLQueryString) {
        switch kind {
        case .sqlite:
            return ("""
                \(unsafeRaw: ftsTable) JOIN \(unsafeRaw: table) \(unsafeRaw: alias) ON \(unsafeRaw: alias).search_rowid = \(unsafeRaw: ftsTable).rowid
                WHERE \(unsafeRaw: ftsTable) MATCH \(bind: SearchText.ftsQuery(terms)) AND
                """, "bm25(\(unsafeRaw: ftsTable), \(unsafeRaw: weights)) ASC")
        case .postgres:
            let query = SearchText.tsQuery(terms)
            return ("""
                \(unsafeRaw: table) \(unsafeRaw: alias) WHERE \(unsafeRaw: alias).search_vector @@ to_tsquery('simple', \(bind: query)) AND
                """, "ts_rank_cd(\(unsafeRaw: alias).search_vector, to_tsquery('simple', \(bind: query))) DESC")
        }
    }
}
