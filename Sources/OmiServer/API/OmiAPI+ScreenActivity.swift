import Foundation
import OmiContract
import OmiStorage

/// focus.md §2: screen-activity sync and its two reads. OCR text, titles and app names are the most sensitive data
/// the server holds; nothing here logs them.
extension OmiAPI {
    static let maxScreenRows = 100
    static let summaryRowLimit = 5000

    func syncScreenActivity(_ input: Operations.SyncScreenActivity.Input) async throws -> Operations.SyncScreenActivity.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.range(body.accountGeneration, 0...Int64.max, at: ["body", "account_generation"])
        let fallbackRetention = body.deviceRetentionSeconds.flatMap { $0 > 0 ? $0 : nil }
        // Filled only once the batch leaves one device's ascending ids, the order the desktop sends: before that no
        // key can repeat (hashing every key was 0.7% of a sync).
        var byKey: [ScreenRowKey: Int]?
        var rows: [ScreenRowRecord] = []
        rows.reserveCapacity(body.rows.count)
        for (index, row) in body.rows.enumerated() {
            v.count(row.embedding, max: 8192, at: ["body", "rows", .index(index), "embedding"])
            guard let captured = Timestamp.parseMicros(row.timestamp) else {
                v.fail("datetime_from_date_parsing", "Input should be a valid datetime",
                       at: ["body", "rows", .index(index), "timestamp"])
                continue
            }
            let device = row.clientDeviceId.flatMap { $0.isEmpty ? nil : $0 } ?? ""
            let record = ScreenRowRecord(
                deviceKey: device, localId: row.id, capturedAt: Timestamp.truncatedToMilliseconds(captured),
                appName: row.appName ?? "", windowTitle: row.windowTitle ?? "",
                ocrText: (row.ocrText ?? "").prefix(scalars: 1000),
                deviceName: row.deviceName.flatMap { $0.isEmpty ? nil : $0 },
                captureEligible: row.captureEligible == true, accountGeneration: body.accountGeneration ?? 0,
                retentionSeconds: row.deviceRetentionSeconds.flatMap { $0 > 0 ? $0 : nil } ?? fallbackRetention,
                embedding: row.embedding.flatMap { $0.isEmpty ? nil : $0.map(Float.init) })
            // A key repeated within the batch is written once, with its last occurrence.
            if byKey == nil, let last = rows.last, last.deviceKey != device || last.localId >= row.id {
                byKey = Dictionary(uniqueKeysWithValues: rows.indices.map {
                    (ScreenRowKey(device: rows[$0].deviceKey, id: rows[$0].localId), $0)
                })
            }
            let key = ScreenRowKey(device: device, id: row.id)
            if let earlier = byKey?[key] { rows[earlier] = record } else { byKey?[key] = rows.count; rows.append(record) }
        }
        try v.check()
        if body.rows.count > Self.maxScreenRows { throw APIError.badRequest("Maximum 100 rows per batch") }
        guard settings.screenActivityStorage, !body.rows.isEmpty else {
            return .ok(.init(body: .json(.init(synced: 0, lastId: 0))))
        }
        do {
            try await screenActivity.upsert(uid: user.uid, rows, now: Clock.nowMicros())
        } catch {
            throw APIError(.internalServerError, "Failed to store screen activity")
        }
        return .ok(.init(body: .json(.init(synced: body.rows.count, lastId: body.rows.map(\.id).max() ?? 0))))
    }

    func listScreenActivity(_ input: Operations.ListScreenActivity.Input) async throws -> Operations.ListScreenActivity.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        v.range(input.query.limit, 1...5000, at: ["query", "limit"])
        v.range(input.query.offset, 0...Int.max, at: ["query", "offset"])
        v.length(input.query.appFilter, max: 500, at: ["query", "app_filter"])
        let embeddings = v.bool(input.query.includeEmbeddings, at: "include_embeddings") ?? false
        try v.check()
        var query = try screenQuery(date: input.query.date)
        query.appName = input.query.appFilter
        query.limit = input.query.limit ?? 500
        query.offset = input.query.offset ?? 0
        query.includeEmbeddings = embeddings
        let rows = try await loadScreenRows(user, query)
        return .ok(.init(body: .json(rows.map { FocusMapping.screenRow($0, includeEmbedding: embeddings) })))
    }

    func getScreenActivitySummary(_ input: Operations.GetScreenActivitySummary.Input) async throws
        -> Operations.GetScreenActivitySummary.Output {
        let user = try RequestValues.requireUser()
        var query = try screenQuery(date: input.query.date)
        query.limit = Self.summaryRowLimit + 1
        var rows = try await loadScreenRows(user, query)
        let truncated = rows.count > Self.summaryRowLimit
        rows = Array(rows.prefix(Self.summaryRowLimit))
        return .ok(.init(body: .json(ScreenActivitySummary(rows, truncated: truncated).json)))
    }

    /// The UTC day of `date`, both ends inclusive (focus.md §2.4), and the server's age limit.
    func screenQuery(date: String?) throws -> ScreenActivityQuery {
        var query = ScreenActivityQuery()
        if let day = try FocusMapping.day(date, zone: TimeZone(identifier: "UTC")!) {
            query.from = day.midnight(plus: 0)
            query.to = day.midnight(plus: 1) - 1
        }
        query.notBefore = settings.screenActivityRetentionDays > 0
            ? Clock.nowMicros() - Int64(settings.screenActivityRetentionDays) * 86_400_000_000 : nil
        return query
    }

    func loadScreenRows(_ user: AuthenticatedUser, _ query: ScreenActivityQuery) async throws -> [ScreenRowRecord] {
        do {
            return try await screenActivity.list(uid: user.uid, query, now: Clock.nowMicros())
        } catch {
            throw APIError(.internalServerError, "Failed to load screen activity")
        }
    }
}

/// The per-app summary of focus.md §2.5.
struct ScreenActivitySummary {
    let json: Wire.JSONValue

    init(_ rows: [ScreenRowRecord], truncated: Bool) {
        var order: [String] = []
        var apps: [String: (count: Int, first: Int64, last: Int64, titles: [String])] = [:]
        for row in rows {
            let name = row.appName.isEmpty ? "Unknown" : row.appName
            var app = apps[name] ?? (0, row.capturedAt, row.capturedAt, [])
            if apps[name] == nil { order.append(name) }
            app.count += 1
            app.first = min(app.first, row.capturedAt)
            app.last = max(app.last, row.capturedAt)
            if !row.windowTitle.isEmpty, app.titles.count < 10, !app.titles.contains(row.windowTitle) {
                app.titles.append(row.windowTitle)
            }
            apps[name] = app
        }
        var object: [String: Wire.JSONValue] = [:]
        for name in order {
            let app = apps[name]!
            object[name] = .object([
                "count": .int(Int64(app.count)),
                "first_seen": .string(Timestamp.formatMilliseconds(micros: app.first)),
                "last_seen": .string(Timestamp.formatMilliseconds(micros: app.last)),
                "window_titles": .array(app.titles.map(Wire.JSONValue.string)),
            ])
        }
        json = .object([
            "apps": .object(object),
            "total_screenshots": .int(Int64(rows.count)),
            "coverage": .object([
                "source": .string("synced_screen_activity"),
                "row_limit": .int(Int64(OmiAPI.summaryRowLimit)),
                "truncated": .bool(truncated),
                "first_observed_at": rows.first.map { .string(Timestamp.formatMilliseconds(micros: $0.capturedAt)) } ?? .null,
                "last_observed_at": rows.last.map { .string(Timestamp.formatMilliseconds(micros: $0.capturedAt)) } ?? .null,
                "capture_completeness": .string("unknown"),
            ]),
        ])
    }
}

/// A screen row's storage key within one sync (focus.md §2.1: the client's device id and its local id).
private struct ScreenRowKey: Hashable {
    var device: String
    var id: Int64
}
