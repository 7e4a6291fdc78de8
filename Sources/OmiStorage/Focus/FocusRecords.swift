import Foundation

/// One focused/distracted observation (focus.md §1.1).
public struct FocusSessionRecord: Sendable, Equatable {
    public var id: String
    public var status: String
    public var appOrSite: String
    public var description: String
    public var message: String?
    public var createdAt: Int64
    public var durationSeconds: Int64?

    public init(id: String, status: String, appOrSite: String, description: String, message: String?,
                createdAt: Int64, durationSeconds: Int64?) {
        self.id = id
        self.status = status
        self.appOrSite = appOrSite
        self.description = description
        self.message = message
        self.createdAt = createdAt
        self.durationSeconds = durationSeconds
    }
}

/// One advice item (focus.md §3.1).
public struct AdviceRecord: Sendable, Equatable {
    public var id: String
    public var content: String
    public var category: String
    public var reasoning: String?
    public var sourceApp: String?
    public var confidence: Double
    public var contextSummary: String?
    public var currentActivity: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var isRead = false
    public var isDismissed = false

    public init(id: String, content: String, category: String, reasoning: String?, sourceApp: String?,
                confidence: Double, contextSummary: String?, currentActivity: String?, createdAt: Int64) {
        self.id = id
        self.content = content
        self.category = category
        self.reasoning = reasoning
        self.sourceApp = sourceApp
        self.confidence = confidence
        self.contextSummary = contextSummary
        self.currentActivity = currentActivity
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// One stored screen-activity row (focus.md §2.3). `deviceKey` is the client device id, or `""` without one.
public struct ScreenRowRecord: Sendable, Equatable {
    public var deviceKey: String
    public var localId: Int64
    public var capturedAt: Int64
    public var appName: String
    public var windowTitle: String
    public var ocrText: String
    public var deviceName: String?
    public var captureEligible: Bool
    public var accountGeneration: Int64
    public var retentionSeconds: Int64?
    /// nil: none sent (a stored one is kept on upsert) or not read.
    public var embedding: [Float]?

    public init(deviceKey: String, localId: Int64, capturedAt: Int64, appName: String, windowTitle: String,
                ocrText: String, deviceName: String?, captureEligible: Bool, accountGeneration: Int64,
                retentionSeconds: Int64?, embedding: [Float]?) {
        self.deviceKey = deviceKey
        self.localId = localId
        self.capturedAt = capturedAt
        self.appName = appName
        self.windowTitle = windowTitle
        self.ocrText = ocrText
        self.deviceName = deviceName
        self.captureEligible = captureEligible
        self.accountGeneration = accountGeneration
        self.retentionSeconds = retentionSeconds
        self.embedding = embedding
    }

    public var clientDeviceId: String? { deviceKey.isEmpty ? nil : deviceKey }
    /// `"{clientDeviceId}-{id}"`, or `"{id}"` without a device id.
    public var storageId: String { deviceKey.isEmpty ? "\(localId)" : "\(deviceKey)-\(localId)" }
}

/// Which screen-activity rows a read sees.
public struct ScreenActivityQuery: Sendable {
    /// Inclusive bounds on the capture instant, micros.
    public var from: Int64?
    public var to: Int64?
    public var appName: String?
    public var limit = 500
    public var offset = 0
    public var includeEmbeddings = false
    /// Rows captured before this instant are past the server's age limit.
    public var notBefore: Int64?

    public init() {}
}

/// Float32 vectors as little-endian bytes, the same on both engines and exact for the client's values.
public enum EmbeddingBytes {
    public static func encode(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    public static func decode(_ data: Data) -> [Float] {
        let bytes = [UInt8](data)
        var vector: [Float] = []
        vector.reserveCapacity(bytes.count / 4)
        var i = 0
        while i + 4 <= bytes.count {
            let bits = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            vector.append(Float(bitPattern: bits))
            i += 4
        }
        return vector
    }
}
