import Foundation
import SQLiteNIO

/// A bind value of one of the kinds a hot statement writes, kept by its type rather than as `any Encodable`.
///
/// A 20-row screen sync binds 360 values. Appended to `[any Encodable & Sendable]`, each was boxed, then unboxed and
/// matched against the known types to become `SQLiteData`: 7–8% of the request (issue 12). Held here, SQLite's value
/// is one switch away. Each case keeps its Swift type, nil included, so PostgreSQL is handed exactly what it was handed
/// before (`encodable`): a NULL there still carries its column's type.
enum SQLValue: Sendable {
    case text(String?)
    case integer(Int64?)
    case bool(Bool?)
    case blob(Data?)

    init(_ value: String) { self = .text(value) }
    init(_ value: String?) { self = .text(value) }
    init(_ value: Int64) { self = .integer(value) }
    init(_ value: Int64?) { self = .integer(value) }
    init(_ value: Int?) { self = .integer(value.map(Int64.init)) }
    init(_ value: Bool) { self = .bool(value) }
    init(_ value: Bool?) { self = .bool(value) }
    init(_ value: Data?) { self = .blob(value) }

    /// The value as it was bound before this type existed, for `SQLSerializer` and PostgreSQL.
    var encodable: any Encodable & Sendable {
        switch self {
        case .text(let value): if let value { value } else { value }
        case .integer(let value): if let value { value } else { value }
        case .bool(let value): if let value { value } else { value }
        case .blob(let value): if let value { value } else { value }
        }
    }

    /// The value as `SQLiteDataEncoder` would give it: a flag is 0 or 1, a nil of any kind is NULL.
    var sqliteData: SQLiteData {
        switch self {
        case .text(let value): value.map(SQLiteData.text) ?? .null
        case .integer(let value): value.map { .integer(Int($0)) } ?? .null
        case .bool(let value): value.map { .integer($0 ? 1 : 0) } ?? .null
        case .blob(let value): value?.sqliteData ?? .null
        }
    }
}
