import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Screen activity never reaches the logs (focus.md §2.7)")
struct ScreenActivityPrivacyTests {
    @Test(arguments: TestEngine.available)
    func ocrTextTitlesAppNamesAndEmbeddingsAreNeverLogged(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database async throws in
            let (url, _) = try await TestKeyServer.shared.publish()
            var settings = Settings()
            settings.firebaseProjectId = TestIdentityProvider.projectId
            settings.authKeysURL = url
            let captured = CapturedLog()
            let logger = Logger(label: "captured") { _ in captured }
            let app = try buildApplication(
                settings: settings,
                dependencies: AppDependencies(database: database,
                                              keyStore: SigningKeyStore(url: url, logger: logger, fetchTimeout: .seconds(120))),
                logger: logger)
            let token = TestIdentityProvider.primary.token(uid: "private-user")
            let ocr = "IBAN DE89 3704 0044 0532 0130 00 password hunter2"
            let title = "Diagnosis results - Patient portal"
            let appName = "SecretBankingApp"
            let embedding = "0.123456789"
            let stamp = Timestamp.format(micros: Clock.nowMicros())
            let row = #"{"id":7,"timestamp":"\#(stamp)","appName":"\#(appName)","windowTitle":"\#(title)","ocrText":"\#(ocr)","embedding":[\#(embedding)]}"#
            try await app.test(.router) { client async throws in
                let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
                let ok = try await client.execute(uri: "/v1/screen-activity/sync", method: .post, headers: headers,
                                                  body: ByteBuffer(string: #"{"rows":[\#(row)]}"#))
                #expect(ok.status == .ok)
                // A refused batch (bad timestamp) and a read of the stored row must not log the content either.
                let bad = row.replacingOccurrences(of: stamp, with: "yesterday")
                let refused = try await client.execute(uri: "/v1/screen-activity/sync", method: .post, headers: headers,
                                                       body: ByteBuffer(string: #"{"rows":[\#(bad)]}"#))
                #expect(refused.status == .unprocessableContent)
                let read = try await client.execute(uri: "/v1/screen-activity?include_embeddings=true", method: .get,
                                                    headers: headers)
                #expect(String(buffer: read.body).contains(ocr))
                let summary = try await client.execute(uri: "/v1/screen-activity/summary", method: .get, headers: headers)
                #expect(String(buffer: summary.body).contains(title))
            }
            let log = captured.text
            #expect(log.contains("request"), "the access log ran")
            for secret in [ocr, "hunter2", title, appName, embedding] {
                #expect(!log.contains(secret), "\(secret) was logged")
            }
        }
    }
}
