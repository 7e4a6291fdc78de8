extension Wire {
    /// An optional that encodes as an explicit JSON `null` when empty, so a synthesized `Codable` keeps every
    /// documented key (conventions.md §6.3); a missing key decodes as nil.
    @propertyWrapper
    public struct ExplicitNull<Value: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
        public var wrappedValue: Value?

        public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
        }
    }
}

extension KeyedDecodingContainer {
    public func decode<V>(_ type: Wire.ExplicitNull<V>.Type, forKey key: Key) throws -> Wire.ExplicitNull<V> {
        try decodeIfPresent(type, forKey: key) ?? Wire.ExplicitNull(wrappedValue: nil)
    }
}
