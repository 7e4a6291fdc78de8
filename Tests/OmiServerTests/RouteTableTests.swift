import Foundation
import HTTPTypes
import OmiContract
@testable import OmiServer
import Testing

/// The route table answers which template a request path belongs to (for 404, 405 and the route label of logs and
/// metrics); these tests hold it to the router's rule over every path of the contract.
@Suite("Route table")
struct RouteTableTests {
    /// Every path of the OpenAPI document, with the Gemini proxy's paths served by its two catch-all routes, as the
    /// server registers them.
    static let templates: [String] = {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/OmiContract/openapi.yaml")
        let text = (try? String(contentsOf: document, encoding: .utf8)) ?? ""
        let paths = text.split(separator: "\n").filter { $0.hasPrefix("  /") && $0.hasSuffix(":") }
            .map { String($0.dropFirst(2).dropLast()) }
        return paths.filter { !GeminiProxy.contractPaths.contains($0) } + [GeminiProxy.route, GeminiProxy.streamRoute]
    }()

    static func table() -> RouteTable {
        let table = RouteTable()
        for template in templates { table.add(method: .get, path: template) }
        return table
    }

    /// The rule as first written: compare the path with every route, literal beats parameter position by position,
    /// a catch-all's extra segments count as parameters.
    static func reference(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        var best: String?
        var bestScore: [Bool] = []
        for template in templates {
            var segments = template.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 }
            let catchAll = segments.last == "**"
            if catchAll { segments.removeLast() }
            guard segments.count == parts.count || (catchAll && parts.count > segments.count) else { continue }
            var score: [Bool] = []
            var ok = true
            for (segment, part) in zip(segments, parts) {
                if let literal = segment {
                    guard literal == part else { ok = false; break }
                    score.append(true)
                } else {
                    score.append(false)
                }
            }
            guard ok else { continue }
            if catchAll { score += Array(repeating: false, count: parts.count - segments.count) }
            if best == nil || score.lexicographicallyPrecedes(bestScore, by: { $0 && !$1 }) {
                best = template
                bestScore = score
            }
        }
        return best
    }

    @Test func everyTemplateWithItsParametersFilledMatchesItself() {
        let table = Self.table()
        #expect(Self.templates.count > 150)
        for template in Self.templates where !template.hasSuffix("**") {
            let path = template.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("{") ? "value-1" : String($0) }.joined(separator: "/")
            #expect(table.match(path)?.template == template, "\(path)")
        }
    }

    @Test func literalsBeatParametersAndCatchAllsLoseToFullRoutes() {
        let table = Self.table()
        // "search" is a literal beside the conversation id parameter.
        #expect(table.match("/v1/conversations/search")?.template == "/v1/conversations/search")
        #expect(table.match("/v1/conversations/abc")?.template == "/v1/conversations/{conversation_id}")
        #expect(table.match("/v1/proxy/gemini/models/m:generateContent")?.template == GeminiProxy.route)
        #expect(table.match("/v1/proxy/gemini")?.template == nil)
        #expect(table.match("/v9/nothing/here") == nil)
        #expect(table.match("/")?.template == "/")
    }

    /// Paths made of the contract's own segments, shuffled, with values and extra segments: the walk agrees with the
    /// rule on every one, including the ones that match nothing.
    @Test func theWalkAgreesWithTheRuleOnMixedPaths() {
        let table = Self.table()
        let vocabulary = Array(Set(Self.templates.flatMap { $0.split(separator: "/").map(String.init) }
            .filter { !$0.hasPrefix("{") && $0 != "**" })).sorted() + ["x1", "abc", "42"]
        var generator = SeededRandom(seed: 12)
        var matched = 0
        for _ in 0..<4000 {
            // Half start from a real template, so most of them match something.
            var parts: [String]
            if Bool.random(using: &generator) {
                let template = Self.templates.randomElement(using: &generator)!
                parts = template.split(separator: "/").map { $0.hasPrefix("{") || $0 == "**" ? "v\(Int.random(in: 0..<9, using: &generator))" : String($0) }
                if Int.random(in: 0..<4, using: &generator) == 0 { parts.append(vocabulary.randomElement(using: &generator)!) }
                if Int.random(in: 0..<4, using: &generator) == 0, !parts.isEmpty {
                    parts[Int.random(in: 0..<parts.count, using: &generator)] = vocabulary.randomElement(using: &generator)!
                }
            } else {
                parts = (0..<Int.random(in: 1...6, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }
            }
            let path = "/" + parts.joined(separator: "/")
            let expected = Self.reference(path)
            if expected != nil { matched += 1 }
            #expect(table.match(path)?.template == expected, "\(path)")
        }
        #expect(matched > 1000)
    }

    @Test func methodsOfOneTemplateAreKeptTogether() {
        let table = RouteTable()
        table.add(method: .get, path: "/v1/things/{id}")
        table.add(method: .delete, path: "/v1/things/{thing_id}")
        table.add(method: .post, path: "/v1/things/search")
        #expect(table.match("/v1/things/7")?.methods == [.get, .delete])
        #expect(table.match("/v1/things/search")?.methods == [.post])
    }

    /// A body reader is found by the method and path the transport registers (`RequestBodyBytes`); one under any
    /// other key would never run, and its route would quietly go back to `JSONDecoder`.
    @Test func everyBodyReaderNamesAnOperationOfTheDocument() throws {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/OmiContract/openapi.yaml")
        let lines = try String(contentsOf: document, encoding: .utf8).split(separator: "\n")
        #expect(!RequestBodyBytes.readers.isEmpty)
        for key in RequestBodyBytes.readers.keys {
            let parts = key.split(separator: " ")
            try #require(parts.count == 2, "\(key)")
            let start = try #require(lines.firstIndex(of: "  \(parts[1]):"), "\(key): no such path")
            let methods = lines[(start + 1)...].prefix { !$0.hasPrefix("  /") }
                .filter { $0.hasPrefix("    ") && !$0.hasPrefix("     ") }.map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(methods.contains("\(parts[0].lowercased()):"), "\(key): no such method")
        }
    }

    /// The transport gives every other operation's handler no `Content-Type`, so an operation with a binary body
    /// missing from the list would take a JSON body as its bytes instead of refusing it.
    @Test func nonJSONBodiesAreTheDocumentsBinaryBodies() throws {
        var binary: Set<String> = []
        var json = 0
        var path = "", method = "", inBody = false, inContent = false
        for line in OpenAPIDocument.yaml.split(separator: "\n") {
            let indent = line.prefix { $0 == " " }.count
            let text = line.trimmingCharacters(in: .whitespaces)
            switch indent {
            case 2 where text.hasPrefix("/"): path = String(text.dropLast()); inBody = false
            case 4: method = text.dropLast().uppercased(); inBody = false
            case 6: inBody = text == "requestBody:"; inContent = false
            case 8 where inBody: inContent = text == "content:"
            case 10 where inBody && inContent && text.hasSuffix(":"):
                if text == "application/json:" { json += 1 } else { binary.insert("\(method) \(path)") }
            default: break
            }
        }
        #expect(json > 50, "the scan found too few JSON bodies to be reading the document")
        #expect(binary == RecordingTransport<AppRequestContext>.nonJSONBodies)
    }
}
