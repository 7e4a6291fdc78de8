/// Hand-written response shapes that the OpenAPI document names through `typeOverrides`.
///
/// The generated encoders drop optional keys whose value is nil, but the desktop contract wants every documented key
/// present, with `null` where there is no value (conventions.md §6.3). These types encode every key explicitly.
public enum Wire {}

extension KeyedEncodingContainer {
    /// Encodes the value, or an explicit JSON `null` when it is nil.
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
