import Foundation
import OmiContract

/// The Sparkle RSS feed (platform.md §1.2): at most one item per channel, written by hand so element order,
/// namespace and escaping are exactly the contract's.
enum AppcastFeed {
    struct Item {
        var manifest: Wire.ReleaseManifest
        var beta: Bool
    }

    /// The stable target untagged; the beta target tagged only when it is newer than stable or stable is unset.
    static func items(stable: Wire.ReleaseManifest?, beta: Wire.ReleaseManifest?) -> [Item] {
        var items: [Item] = []
        if let stable { items.append(Item(manifest: stable, beta: false)) }
        if let beta, stable.map({ beta.buildNumber > $0.buildNumber }) ?? true { items.append(Item(manifest: beta, beta: true)) }
        return items.sorted { $0.manifest.buildNumber > $1.manifest.buildNumber }
    }

    static func render(_ items: [Item]) -> String {
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0" xmlns:sparkle="http://www.andymatuschak.org/xml-namespaces/sparkle">
            <channel>
            <title>Omi Desktop Updates</title>
            <description>Omi AI Desktop Application</description>
            <language>en</language>

            """
        for item in items { xml += render(item) }
        xml += "</channel>\n</rss>\n"
        return xml
    }

    static func render(_ item: Item) -> String {
        let m = item.manifest
        let version = escape(m.version)
        var xml = "<item>\n"
        xml += "<title>Omi \(version)</title>\n"
        xml += "<pubDate>\(rfc1123(m.publishedAt))</pubDate>\n"
        xml += "<sparkle:version>\(m.buildNumber)</sparkle:version>\n"
        xml += "<sparkle:shortVersionString>\(version)</sparkle:shortVersionString>\n"
        if let minimum = m.minimumSystemVersion {
            xml += "<sparkle:minimumSystemVersion>\(escape(minimum))</sparkle:minimumSystemVersion>\n"
        }
        xml += "<description><![CDATA[\(cdata(releaseNotes(m.changelog)))]]></description>\n"
        if let notes = m.releaseNotesUrl { xml += "<sparkle:releaseNotesLink>\(escape(notes))</sparkle:releaseNotesLink>\n" }
        var enclosure = "<enclosure url=\"\(escape(m.updateUrl))\" length=\"\(m.updateLength)\""
        enclosure += " type=\"application/octet-stream\" sparkle:os=\"\(escape(m.platform))\""
        if let signature = m.edSignature, !signature.isEmpty {
            enclosure += " sparkle:edSignature=\"\(escape(signature))\""
        }
        enclosure += " sparkle:version=\"\(m.buildNumber)\" sparkle:shortVersionString=\"\(version)\"/>\n"
        xml += enclosure
        if item.beta { xml += "<sparkle:channel>beta</sparkle:channel>\n" }
        if m.critical { xml += "<sparkle:criticalUpdate />\n" }
        xml += "</item>\n"
        return xml
    }

    /// One `<li>` per changelog item with its icon, or the default paragraph for an empty changelog.
    static func releaseNotes(_ changelog: [String]) -> String {
        guard !changelog.isEmpty else { return "<p>Bug fixes and improvements</p>" }
        return "<ul>" + changelog.map { "<li>\(icon($0)) \(escape($0))</li>" }.joined() + "</ul>"
    }

    /// Matched as substrings, so "fixes", "improved" and "improvements" count too.
    static func icon(_ text: String) -> String {
        let lower = text.lowercased()
        func mentions(_ words: [String]) -> Bool { words.contains { lower.contains($0) } }
        if mentions(["fix", "bug", "issue"]) { return "&#128027;" }
        if mentions(["improve", "performance", "optimization"]) { return "&#9889;" }
        if mentions(["breaking", "deprecated"]) { return "&#9888;" }
        return "&#10024;"
    }

    /// Drops what XML 1.0 forbids, then escapes the five markup characters (text nodes and attributes alike).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A CDATA payload that cannot close its section early.
    static func cdata(_ text: String) -> String { text.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") }

    /// `Thu, 05 Mar 2026 10:00:00 +0000` from the stored UTC timestamp.
    static func rfc1123(_ timestamp: String) -> String {
        let date = Timestamp.parse(timestamp) ?? Date(timeIntervalSince1970: 0)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
