extension Wire {
    /// A screen-activity sync (focus.md §2.1), the desktop's most frequent write. As the request body it reads its own
    /// JSON (`RequestBodyBytes`); its `Codable` side is what the generated type was, and
    /// `ScreenActivitySyncDecodingTests` hold the two to the same result.
    public struct ScreenActivitySyncRequest: Codable, Hashable, Sendable {
        public var rows: [ScreenActivityUploadRow]
        public var accountGeneration: Int64?
        public var deviceRetentionSeconds: Int64?

        public init(rows: [ScreenActivityUploadRow], accountGeneration: Int64? = nil,
                    deviceRetentionSeconds: Int64? = nil) {
            self.rows = rows
            self.accountGeneration = accountGeneration
            self.deviceRetentionSeconds = deviceRetentionSeconds
        }

        enum CodingKeys: String, CodingKey {
            case rows, accountGeneration = "account_generation", deviceRetentionSeconds
        }

        public init(from decoder: any Decoder) throws {
            if let read = RequestBodyBytes.read(by: decoder, as: Self.self) {
                self = read
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            rows = try c.decode([ScreenActivityUploadRow].self, forKey: .rows)
            accountGeneration = try c.decodeIfPresent(Int64.self, forKey: .accountGeneration)
            deviceRetentionSeconds = try c.decodeIfPresent(Int64.self, forKey: .deviceRetentionSeconds)
        }

        /// The request read straight from its JSON text, or nil where only `Codable` decides (text that is not
        /// well formed, a missing `rows`, a wrong type, anything `JSONReader` does not support).
        public static func read(_ bytes: [UInt8]) -> Self? {
            bytes.withUnsafeBytes { read($0) }
        }

        public static func read(_ bytes: UnsafeRawBufferPointer) -> Self? {
            JSONReader.whole(bytes) { reader in
                var rows: [ScreenActivityUploadRow]?
                var request = Self(rows: [])
                var seen = Fields()
                try reader.object { reader, key in
                    switch key {
                    case "rows" where seen.first(0):
                        var read: [ScreenActivityUploadRow] = []
                        try reader.array { reader in read.append(try ScreenActivityUploadRow(reading: &reader)) }
                        rows = read
                    case "account_generation" where seen.first(1):
                        request.accountGeneration = reader.null() ? nil : try reader.int64()
                    case "deviceRetentionSeconds" where seen.first(2):
                        request.deviceRetentionSeconds = reader.null() ? nil : try reader.int64()
                    default: try reader.skip()
                    }
                }
                guard let rows else { return nil }
                request.rows = rows
                return request
            }
        }
    }

    /// One screenshot's record in a sync; camelCase keys, null the same as absent. Its `Codable` side is synthesised.
    public struct ScreenActivityUploadRow: Codable, Hashable, Sendable {
        public var id: Int64
        public var timestamp: String
        public var appName: String?
        public var windowTitle: String?
        public var ocrText: String?
        public var embedding: [Double]?
        public var deviceName: String?
        public var clientDeviceId: String?
        public var captureEligible: Bool?
        public var deviceRetentionSeconds: Int64?

        public init(id: Int64, timestamp: String, appName: String? = nil, windowTitle: String? = nil,
                    ocrText: String? = nil, embedding: [Double]? = nil, deviceName: String? = nil,
                    clientDeviceId: String? = nil, captureEligible: Bool? = nil, deviceRetentionSeconds: Int64? = nil) {
            self.id = id
            self.timestamp = timestamp
            self.appName = appName
            self.windowTitle = windowTitle
            self.ocrText = ocrText
            self.embedding = embedding
            self.deviceName = deviceName
            self.clientDeviceId = clientDeviceId
            self.captureEligible = captureEligible
            self.deviceRetentionSeconds = deviceRetentionSeconds
        }

        /// One row from the reader. An embedding is left to `Codable`: reading doubles exactly as `JSONDecoder` does
        /// is not worth it for the rare row that sends one.
        init(reading reader: inout JSONReader) throws {
            var id: Int64?
            var timestamp: String?
            var row = Self(id: 0, timestamp: "")
            var seen = Fields()
            try reader.object { reader, key in
                switch key {
                case "id" where seen.first(0): id = try reader.int64()
                case "timestamp" where seen.first(1): timestamp = try reader.string()
                case "appName" where seen.first(2): row.appName = reader.null() ? nil : try reader.string()
                case "windowTitle" where seen.first(3): row.windowTitle = reader.null() ? nil : try reader.string()
                case "ocrText" where seen.first(4): row.ocrText = reader.null() ? nil : try reader.string()
                case "deviceName" where seen.first(5): row.deviceName = reader.null() ? nil : try reader.string()
                case "clientDeviceId" where seen.first(6):
                    row.clientDeviceId = reader.null() ? nil : try reader.string()
                case "captureEligible" where seen.first(7): row.captureEligible = reader.null() ? nil : try reader.bool()
                case "deviceRetentionSeconds" where seen.first(8):
                    row.deviceRetentionSeconds = reader.null() ? nil : try reader.int64()
                case "embedding" where seen.first(9): guard reader.null() else { throw JSONReader.Unsupported() }
                default: try reader.skip()
                }
            }
            guard let id, let timestamp else { throw JSONReader.Unsupported() }
            row.id = id
            row.timestamp = timestamp
            self = row
        }
    }
}

/// The keys of one object read so far, by position: a key written again is skipped, since `JSONDecoder` keeps the
/// first.
struct Fields {
    private var bits: UInt32 = 0

    /// Whether this is the first time field `index` is met; marks it met.
    mutating func first(_ index: Int) -> Bool {
        let bit: UInt32 = 1 << index
        defer { bits |= bit }
        return bits & bit == 0
    }
}
