import Foundation
import OmiContract
import Testing

/// A screen sync reads its own request body (`RequestBodyBytes`); the server must see exactly what `JSONDecoder`
/// would have given it, value or error, for every body.
@Suite("Screen sync bodies read without JSONDecoder's containers")
struct ScreenActivitySyncDecodingTests {
    typealias Request = Wire.ScreenActivitySyncRequest

    /// A JSON string for `text`, escaped in one of the ways a client may choose.
    static func quoted(_ text: String, _ r: inout SeededRandom) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += Bool.random(using: &r) ? "\\n" : "\\u000a"
            case "\t": out += "\\t"
            case "/": out += Bool.random(using: &r) ? "\\/" : "/"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04X", scalar.value)
            case _ where scalar.value > 0xFFFF && Bool.random(using: &r):
                let v = scalar.value - 0x10000
                out += String(format: "\\ud%03x\\u%04x", 0x800 + (v >> 10), 0xDC00 + (v & 0x3FF))
            case _ where scalar.value > 0x7F && Int.random(in: 0..<3, using: &r) == 0:
                out += scalar.value > 0xFFFF ? String(scalar) : String(format: "\\u%04x", scalar.value)
            default: out += String(scalar)
            }
        }
        return out + "\""
    }

    static func space(_ r: inout SeededRandom) -> String { ["", " ", "\n  ", "\t"].randomElement(using: &r)! }

    /// An object from its members in a random order, with random spacing.
    static func object(_ members: [(String, String)], _ r: inout SeededRandom) -> String {
        "{" + members.shuffled(using: &r).map { "\(space(&r))\"\($0.0)\"\(space(&r)):\(space(&r))\($0.1)" }
            .joined(separator: ",") + space(&r) + "}"
    }

    static func optional(_ key: String, _ value: String?, _ r: inout SeededRandom) -> [(String, String)] {
        if let value { return [(key, value)] }
        return Bool.random(using: &r) ? [(key, "null")] : []
    }

    static func body(_ r: inout SeededRandom) -> String {
        let rows = (0..<Int.random(in: 0...6, using: &r)).map { _ -> String in
            var members: [(String, String)] = [
                ("id", String(Int64.random(in: .min ... .max, using: &r))),
                ("timestamp", quoted(SeededRandom.text(&r), &r)),
            ]
            for key in ["appName", "windowTitle", "ocrText", "deviceName", "clientDeviceId"] {
                members += optional(key, SeededRandom.maybeText(&r).map { quoted($0, &r) }, &r)
            }
            members += optional("captureEligible", Bool.random(using: &r) ? String(Bool.random(using: &r)) : nil, &r)
            members += optional("deviceRetentionSeconds",
                                Bool.random(using: &r) ? String(Int64.random(in: -5...Int64.max, using: &r)) : nil, &r)
            // Keys the server does not know are skipped, whatever they hold.
            if Int.random(in: 0..<3, using: &r) == 0 {
                members.append(("extra", #"{"a":[1,2.5e3,{"b":"]}\"x"},null,true],"c":-0.0}"#))
            }
            return object(members, &r)
        }
        var members: [(String, String)] = [("rows", "[" + rows.joined(separator: ",") + "]")]
        members += optional("account_generation", Bool.random(using: &r) ? String(Int64.random(in: 0...99, using: &r)) : nil, &r)
        members += optional("deviceRetentionSeconds", Bool.random(using: &r) ? "86400" : nil, &r)
        if Bool.random(using: &r) { members.append(("unknown", quoted("x", &r))) }
        return space(&r) + object(members, &r) + space(&r)
    }

    static let path = ServedBody<Request>(operation: "POST /v1/screen-activity/sync")
    static func decoded(_ json: String) -> Result<Request, DecodingOutcomeError> { path.decoded(json) }
    static func served(_ json: String) -> Result<Request, DecodingOutcomeError> { path.served(json) }

    @Test func readsWhatTheDecoderReadsOnSeededBodies() throws {
        var r = SeededRandom(seed: 2026)
        var read = 0
        for round in 0..<300 {
            let json = Self.body(&r)
            let reference = Self.decoded(json)
            #expect(Self.served(json) == reference, "round \(round): \(json)")
            if let fast = Request.read(Array(json.utf8)) {
                read += 1
                #expect(.success(fast) == reference, "round \(round): \(json)")
            }
        }
        // Almost every body is read directly; only the odd one (none here by construction) goes to Codable.
        #expect(read == 300)
    }

    /// Strings are skimmed eight bytes at a time (`JSONPlainRun`); a byte that ends the skim must be found wherever it
    /// falls in a word: a quote or backslash escape, a raw control character (refused), or a non-ASCII character.
    @Test func aSpecialCharacterIsFoundAtEveryPositionOfAString() throws {
        let specials = [#"\""#, #"\\"#, #"\n"#, #"\u00e9"#, "\u{01}", "\t", "é", "😀", "\u{7F}"]
        for special in specials {
            for position in 0...24 {
                let title = String(repeating: "a", count: position) + special + String(repeating: "b", count: 24 - position)
                let json = #"{"rows":[{"id":1,"timestamp":"2026-01-01T10:00:00Z","windowTitle":"\#(title)"}]}"#
                let reference = Self.decoded(json)
                #expect(Self.served(json) == reference, "\(special) at \(position)")
                if let fast = Request.read(Array(json.utf8)) {
                    #expect(.success(fast) == reference, "\(special) at \(position)")
                }
            }
        }
    }

    /// The reader runs before `JSONDecoder` has seen the body, so it must refuse every body the decoder refuses. An
    /// earlier reader that trusted the decoder's scan (it checked only a literal's first letter and skipped unknown
    /// values loosely) accepted 186 of 3,000 of these bodies when run first. Seeded bodies with one to three bytes
    /// deleted, inserted or replaced, as bytes, so invalid UTF-8 is among them.
    @Test func malformedBodiesAreRefusedAsTheDecoderRefusesThem() throws {
        let refused = Self.path.expectMutatedBodiesServedAsDecoded(seed: 27) { Self.body(&$0) }
        // Most mutations break the body; the rest must read the same.
        #expect(refused > 3000)
    }

    /// Where the reader is unsure it steps aside, and the answer is the decoder's, error included.
    /// A key written twice counts the first time, as in `JSONDecoder`, at either level.
    @Test(arguments: [
        #"{"rows":[{"id":1,"timestamp":"t","id":2,"timestamp":"u","appName":null,"appName":"A"}]}"#,
        #"{"rows":[{"id":1,"timestamp":"t"}],"rows":[],"account_generation":1,"account_generation":null}"#,
    ])
    func aRepeatedKeyCountsOnce(json: String) throws {
        let read = try #require(Request.read(Array(json.utf8)))
        #expect(.success(read) == Self.decoded(json))
        #expect(read.rows.first?.id == 1 && read.rows.first?.timestamp == "t")
    }

    @Test(arguments: [
        #"{"rows":[{"\u0069d":1,"timestamp":"t"}]}"#,
        #"{"rows":[{"id":1.0,"timestamp":"t"}]}"#,
        #"{"rows":[{"id":1e2,"timestamp":"t"}]}"#,
        #"{"rows":[{"id":99999999999999999999,"timestamp":"t"}]}"#,
        #"{"rows":[{"id":1,"timestamp":"\ud800"}]}"#,
        #"{"rows":[{"id":1,"timestamp":"t","embedding":[0.1,2]}]}"#,
        #"{"rows":[{"id":"1","timestamp":"t"}]}"#,
        #"{"rows":[{"id":1,"timestamp":null}]}"#,
        #"{"rows":[{"timestamp":"t"}]}"#,
        #"{"rows":[{"id":1,"timestamp":"t","captureEligible":"yes"}]}"#,
        #"{"rows":{}}"#,
        #"{"account_generation":3}"#,
        #"[{"rows":[]}]"#,
        // Not JSON, though only a key nobody reads, a value nobody reads or a leading zero is wrong: the decoder's
        // error stands.
        #"{"rows":[{"id":01,"timestamp":"t"}]}"#,
        "{\"rows\":[],\"un\u{1F}known\":1}",
        #"{"rows":[],"x":nul}"#, #"{"rows":[],"x":nulll}"#, #"{"rows":[],"x":tru}"#, #"{"rows":[],"x":fals}"#,
        #"{"rows":[{"id":1,"timestamp":"t","appName":nill}]}"#,
        #"{"rows":[{"id":1,"timestamp":"t","captureEligible":trux}]}"#,
        #"{"rows":[],"x":[1,]}"#, #"{"rows":[],"x":{"a":1,}}"#, #"{"rows":[],"x":{"a" 1}}"#, #"{"rows":[],"x":[1 2]}"#,
        #"{"rows":[],"x":01}"#, #"{"rows":[],"x":1.}"#, #"{"rows":[],"x":.5}"#, #"{"rows":[],"x":-}"#,
        #"{"rows":[],"x":1e}"#, #"{"rows":[],"x":1e+}"#, #"{"rows":[],"x":+1}"#, #"{"rows":[],"x":0x1}"#,
        #"{"rows":[],"x":"\x"}"#, #"{"rows":[],"x":"\u12"}"#, #"{"rows":[],"x":'a'}"#, #"{"rows":[],"x":}"#,
        #"{"rows":[],}"#, #"{"rows":[]} x"#, #"{"rows":[]}{}"#, #"{"rows":[{"id":1,"timestamp":"t"},]}"#,
        // Deeper than the reader goes, though well formed.
        #"{"rows":[],"x":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}",
    ])
    func unsureBodiesAreLeftToTheDecoder(json: String) {
        #expect(Request.read(Array(json.utf8)) == nil)
        #expect(Self.served(json) == Self.decoded(json))
    }

    /// Values nobody reads are stepped over in every form JSON allows, so such a body is still read directly.
    @Test(arguments: [
        #"{"rows":[],"x":[1.5e-3,-0,0,0.25,2E+8,-7e-0,{"y":[true,false,null,"\u00e9\ud83c\udfa7"]},[],{}]}"#,
        #"{"rows":[{"id":1,"timestamp":"t","extra":1e400}],"z":123456789012345678901234567890}"#,
        "{\"rows\":[],\"x\":\"" + String(repeating: "\\n", count: 3) + "\u{7F}é🎧\"}",
        #"{"rows":[],"x":"# + String(repeating: "[", count: 30) + String(repeating: "]", count: 30) + "}",
    ])
    func wellFormedValuesNobodyReadsAreSkipped(json: String) throws {
        let read = try #require(Request.read(Array(json.utf8)))
        #expect(Self.served(json) == .success(read))
        #expect(Self.decoded(json) == .success(read))
    }

    /// Only the body itself is the value read; the same type nested elsewhere decodes from its own JSON.
    @Test func onlyTheTopLevelValueIsTheValueRead() throws {
        let body = try #require(Request.read(Array(#"{"rows":[{"id":1,"timestamp":"from the body"}]}"#.utf8)))
        let other = #"[{"rows":[{"id":2,"timestamp":"nested"}]}]"#
        let nested = try RequestBodyBytes.$value.withValue(body) {
            try JSONDecoder().decode([Request].self, from: Data(other.utf8))
        }
        #expect(nested.first?.rows.first?.timestamp == "nested")
        let top = try RequestBodyBytes.$value.withValue(body) {
            try JSONDecoder().decode(Request.self, from: Data(RequestBodyBytes.placeholder))
        }
        #expect(top.rows.first?.timestamp == "from the body")
    }
}
