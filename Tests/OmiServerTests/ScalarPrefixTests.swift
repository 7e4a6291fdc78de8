import OmiStorage
import Testing

/// Previews, OCR text and prompts are cut in Unicode scalars, as the Python backend's `text[:n]` cuts them.
@Suite("Cutting text to a number of scalars")
struct ScalarPrefixTests {
    @Test func cutsInScalarsNotBytesOrCharacters() {
        #expect("hello".prefix(scalars: 3) == "hel")
        #expect("hello".prefix(scalars: 5) == "hello")
        #expect("hello".prefix(scalars: 50) == "hello")
        #expect("".prefix(scalars: 2) == "")
        #expect("abc".prefix(scalars: 0) == "")
        // Two-byte and four-byte scalars count as one each.
        #expect("héllo wörld".prefix(scalars: 8) == "héllo wö")
        #expect("😀😀😀".prefix(scalars: 2) == "😀😀")
        // "é" written as e + combining acute is two scalars; the cut may fall between them, as in Python.
        #expect("e\u{301}e\u{301}".prefix(scalars: 3) == "e\u{301}e")
        // Exactly at the limit in scalars but over it in bytes.
        #expect("ééé".prefix(scalars: 3) == "ééé")
        let long = String(repeating: "ü", count: 1500)
        #expect(long.prefix(scalars: 1000).unicodeScalars.count == 1000)
    }
}
