import Foundation
import OmiContract

/// The installer landing page of platform.md §1.4: it names the build, starts the download after 2 s by a meta
/// refresh and an inline script, and keeps a visible link. Every interpolated value is escaped; no third-party script.
enum DownloadPage {
    static let labels = ["macos": "macOS", "windows": "Windows", "linux": "Linux"]

    static let steps = [
        "macos": ["Open the downloaded .dmg file.", "Drag Omi into the Applications folder.",
                  "Open Omi from Applications and follow the setup."],
        "windows": ["Open the downloaded installer.", "Follow the installer's steps.", "Start Omi from the Start menu."],
        "linux": ["Make the downloaded AppImage executable (chmod +x).", "Run the AppImage.",
                  "Follow the setup in the app."],
    ]

    static func render(_ manifest: Wire.ReleaseManifest, beta: Bool) -> String {
        let label = labels[manifest.platform] ?? manifest.platform
        let title = AppcastFeed.escape("Download Omi \(beta ? "Beta " : "")for \(label)")
        let url = AppcastFeed.escape(manifest.installerUrl)
        // The script receives the URL as a JSON string literal with `<` escaped, so it cannot end the script element.
        let scriptURL = jsonString(manifest.installerUrl)
        let items = (steps[manifest.platform] ?? []).map { "<li>\(AppcastFeed.escape($0))</li>" }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="2;url=\(url)">
            <title>\(title)</title>
            <style>body{font-family:-apple-system,system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}</style>
            </head>
            <body>
            <h1>\(title)</h1>
            <p>v\(AppcastFeed.escape(manifest.version)) (build \(manifest.buildNumber))</p>
            <p>Your download starts in a moment. If it does not, <a id="download" href="\(url)">download it here</a>.</p>
            <ol>\(items)</ol>
            <script>setTimeout(function(){window.location.href=\(scriptURL);},2000);</script>
            </body>
            </html>

            """
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
