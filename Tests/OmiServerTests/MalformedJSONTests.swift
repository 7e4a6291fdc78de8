import Foundation
import Testing
@testable import OmiServer

/// `MalformedJSON` against CPython's own answers: each expectation below is what `json.loads` (Python 3.11.7) raised
/// for the same bytes, as `(e.msg, e.pos)`, or nil where it parsed them.
@Suite("Malformed JSON positions")
struct MalformedJSONTests {
    static let pythonAnswers: [(String, (String, Int)?)] = [
        ("", ("Expecting value", 0)),
        ("   ", ("Expecting value", 3)),
        ("{", ("Expecting property name enclosed in double quotes", 1)),
        ("[", ("Expecting value", 1)),
        ("{\"a\"", ("Expecting ':' delimiter", 4)),
        ("{\"a\":", ("Expecting value", 5)),
        ("{\"a\":}", ("Expecting value", 5)),
        ("{\"a\" 1}", ("Expecting ':' delimiter", 5)),
        ("{\"a\":1,}", ("Expecting property name enclosed in double quotes", 7)),
        ("{\"a\":1 \"b\":2}", ("Expecting ',' delimiter", 7)),
        ("{a:1}", ("Expecting property name enclosed in double quotes", 1)),
        ("{'a':1}", ("Expecting property name enclosed in double quotes", 1)),
        ("[1,]", ("Expecting value", 3)),
        ("[1 2]", ("Expecting ',' delimiter", 3)),
        ("[1,2", ("Expecting ',' delimiter", 4)),
        ("{\"a\":[1,{\"b\":}]}", ("Expecting value", 13)),
        ("{\"a\":1}x", ("Extra data", 7)),
        ("{\"a\":1} {\"b\":2}", ("Extra data", 8)),
        ("\"abc", ("Unterminated string starting at", 0)),
        ("\"ab\\qc\"", ("Invalid \\escape", 3)),
        ("\"\\u12\"", ("Invalid \\uXXXX escape", 2)),
        ("\"\\u12G4\"", ("Invalid \\uXXXX escape", 2)),
        ("\"a\tb\"", ("Invalid control character at", 2)),
        ("\"a\nb\"", ("Invalid control character at", 2)),
        ("{\"é\":\"ü\",}", ("Expecting property name enclosed in double quotes", 9)),
        ("{\"日本\":\"語\" x}", ("Expecting ',' delimiter", 10)),
        ("-", ("Expecting value", 0)),
        ("-x", ("Expecting value", 0)),
        ("01", ("Extra data", 1)),
        ("1.", ("Extra data", 1)),
        ("1.e5", ("Extra data", 1)),
        ("1e", ("Extra data", 1)),
        ("1e+", ("Extra data", 1)),
        (".5", ("Expecting value", 0)),
        ("+1", ("Expecting value", 0)),
        ("nul", ("Expecting value", 0)),
        ("nulls", ("Extra data", 4)),
        ("tru", ("Expecting value", 0)),
        ("True", ("Expecting value", 0)),
        ("NaN", nil),
        ("-Infinity", nil),
        ("Infinity", nil),
        ("[NaN, -Infinity]", nil),
        ("{\"a\":nan}", ("Expecting value", 5)),
        ("\u{FEFF}{\"a\":1", ("Expecting ',' delimiter", 6)),
        ("[[[[[[[[[[]]]]]]]]]", ("Expecting ',' delimiter", 19)),
        ("[[[[[[[[[[]]]]]]]]]]]", ("Extra data", 20)),
        ("{\"a\":\"\\ud83d\\ude00\"", ("Expecting ',' delimiter", 19)),
        ("{\"a\":\"\\ud83d\\uzzzz\"}", ("Invalid \\uXXXX escape", 13)),
        ("{\"a\":1, \"b\":[true, false, null], \"c\":{\"d\":\"\\\"x\\\\\"}}", nil),
        ("{\"a\":1, \"b\":[true, false, null], \"c\":{\"d\":\"\\\"x\\\\\"}} ,", ("Extra data", 52)),
        (" \t\r\n[1]\n", nil),
        ("{\"a\":\"éxxx\"", ("Expecting ',' delimiter", 11)),
        ("{\"text\":\"héllo wörld\", \"sender\":\"human\",}", ("Expecting property name enclosed in double quotes", 40)),
        ("\u{0000}", ("Expecting value", 0)),
        ("{\"a\":1}\u{0000}", ("Extra data", 7))
    ]

    @Test func everyPositionIsWherePythonStops() {
        for (body, expected) in Self.pythonAnswers {
            let found = Array(body.utf8).withUnsafeBytes { MalformedJSON.failure(in: $0) }
            #expect(found?.message == expected?.0 && found?.offset == expected?.1,
                    "\(body.debugDescription): \(String(describing: found)) against \(String(describing: expected))")
        }
    }

    /// Strings are skimmed eight bytes at a time: a quote, backslash or control character is found at every place
    /// within and across those words, after multi-byte characters too.
    @Test func eachStopInsideAStringIsFoundWherePythonFindsIt() {
        for filler in ["a", "é"] {
            for before in 0..<20 {
                let lead = String(repeating: filler, count: before)
                let tail = String(repeating: "b", count: 19 - before)
                for (inside, expected) in [("\t", ("Invalid control character at", before + 1)),
                                           ("\\q", ("Invalid \\escape", before + 1)),
                                           ("\\\"", nil), ("\\u00e9", nil), ("\"", ("Extra data", before + 2))]
                    as [(String, (String, Int)?)] {
                    let body = "\"" + lead + inside + tail + "\""
                    let found = Array(body.utf8).withUnsafeBytes { MalformedJSON.failure(in: $0) }
                    #expect(found?.message == expected?.0 && found?.offset == expected?.1, "\(body.debugDescription)")
                }
            }
        }
    }

    /// A million open brackets are scanned without recursion: the request thread's stack never sees the nesting.
    @Test func deepNestingIsScannedWithoutRecursion() {
        let body = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        let found = body.withUnsafeBytes { MalformedJSON.failure(in: $0) }
        #expect(found == .init(message: "Expecting value", offset: 1_000_000))
    }
}
