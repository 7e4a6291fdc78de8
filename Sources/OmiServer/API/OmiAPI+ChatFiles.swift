import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import OpenAPIRuntime

/// chat.md §7: chat file upload. Parts are read one at a time, so memory holds at most one part (≤ 50 MiB), and a
/// request refused part-way removes what it had stored.
extension OmiAPI {
    static let chatFilePartBytes = 50 * 1024 * 1024
    static let chatFileMaxParts = 10
    /// Parts under other names are drained, never kept; this bounds what one of them may cost.
    static let chatFileOtherPartBytes = 1024 * 1024

    func uploadChatFiles(_ input: Operations.UploadChatFiles.Input) async throws -> Operations.UploadChatFiles.Output {
        let user = try RequestValues.requireUser()
        try await rateLimiter.enforce(.chatFiles, uid: user.uid)
        guard case .multipartForm(let parts) = input.body else { throw Self.notMultipart }
        var stored: [ChatFileRecord] = []
        var partsRead = 0
        do {
            for try await part in parts {
                partsRead += 1
                guard partsRead <= Self.chatFileMaxParts * 2 else { throw Self.tooManyFiles }
                guard case .other(let raw) = part else { continue }
                guard raw.name == "files" else {
                    _ = try await Self.collect(raw.body, upTo: Self.chatFileOtherPartBytes)
                    continue
                }
                guard stored.count < Self.chatFileMaxParts else {
                    throw Self.tooManyFiles
                }
                let content = try await Self.collect(raw.body, upTo: Self.chatFilePartBytes)
                let record = ChatFileRecord(
                    id: RandomUUID.lowercased(), name: Self.fileName(raw.filename),
                    mimeType: Self.mimeType(raw.headerFields[.contentType]), createdAt: Clock.nowMicros(),
                    content: content)
                try await chatFiles.insert(uid: user.uid, record)
                stored.append(record)
            }
        } catch {
            try? await chatFiles.delete(uid: user.uid, ids: stored.map(\.id))
            if error is APIError || error is ValidationError { throw error }
            // The multipart parser refused the body: a client fault, not ours.
            throw Self.notMultipart
        }
        guard !stored.isEmpty else { throw Self.noFiles }
        let files = stored.map {
            Components.Schemas.ChatFile(id: $0.id, name: $0.name, mimeType: $0.mimeType, thumbnail: "",
                                        openaiFileId: "", createdAt: Timestamp.date(micros: $0.createdAt))
        }
        return .ok(.init(body: .json(files)))
    }

    /// Reads a part's bytes, refusing with 413 as soon as they pass `limit`.
    static func collect(_ body: HTTPBody, upTo limit: Int) async throws -> Data {
        var data = Data()
        for try await chunk in body {
            guard data.count + chunk.count <= limit else {
                throw APIError(.contentTooLarge, "File too large (max 50 MB)")
            }
            data.append(contentsOf: chunk)
        }
        return data
    }

    /// The filename without any directory part (either separator), `upload` when nothing is left.
    static func fileName(_ raw: String?) -> String {
        let last = (raw ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let trimmed = last.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty || trimmed == "." || trimmed == ".." ? "upload" : trimmed
    }

    static func mimeType(_ raw: String?) -> String {
        let value = (raw ?? "").trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? "application/octet-stream" : value
    }

    static var noFiles: ValidationError {
        ValidationError(type: "missing", loc: ["body", "files"], msg: "Field required")
    }

    static var notMultipart: ValidationError {
        ValidationError(type: "value_error", loc: ["body"], msg: "Expected a multipart/form-data body")
    }

    static var tooManyFiles: ValidationError {
        ValidationError(type: "too_long", loc: ["body", "files"],
                        msg: "List should have at most \(chatFileMaxParts) items after validation")
    }
}
