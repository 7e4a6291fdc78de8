extension Wire {
    /// The answer to a screen-activity sync (focus.md §2.1). It writes its own JSON as the response body
    /// (`PrewrittenJSON`): the desktop syncs every few seconds, and `JSONEncoder` was 2% of a sync (issue 12).
    public struct ScreenActivitySyncResult: Codable, Hashable, Sendable, Prewritable {
        public var synced: Int
        public var lastId: Int64

        public init(synced: Int, lastId: Int64) {
            self.synced = synced
            self.lastId = lastId
        }

        enum CodingKeys: String, CodingKey {
            case synced, lastId = "last_id"
        }

        public func encode(to encoder: any Encoder) throws {
            if try PrewrittenJSON.divert(encoder, self) { return }
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(synced, forKey: .synced)
            try c.encode(lastId, forKey: .lastId)
        }

        public var jsonCapacity: Int { 64 }

        /// This answer as JSON, with the keys and values of `encode(to:)`.
        public func writeJSON(into json: inout JSONBytes) {
            json.beginObject()
            json.key("synced"); json.int(Int64(synced))
            json.key("last_id"); json.int(lastId)
            json.endObject()
        }
    }
}
