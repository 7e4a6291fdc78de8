import ArgumentParser
import Foundation
import OmiSmoke

/// `omi-backend smoke`: the desktop's flows against a running server, one line per call.
struct Smoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk the desktop's flows against a server, decoding every answer strictly; exits 1 on any failure.",
        discussion: "Groups, in order: \(SmokeSuite.groups.joined(separator: ", ")). What a run creates carries an "
            + "omi-smoke-<id> marker and is deleted at the end of its group.")

    @Option(help: "The server's base URL, e.g. http://127.0.0.1:8080.")
    var baseURL: String

    @Option(help: "A bearer token the server accepts (a Firebase ID token, or dev:<uid> in development mode).")
    var token: String

    @Option(help: "Run one group only.")
    var only: String?

    func validate() throws {
        guard URL(string: baseURL)?.scheme != nil else { throw ValidationError("--base-url must be an absolute URL") }
        if let only, !SmokeSuite.groups.contains(only) {
            throw ValidationError("--only must be one of: \(SmokeSuite.groups.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let lines = await SmokeSuite(baseURL: URL(string: baseURL)!, token: token).run(only: only)
        let failed = lines.filter { !$0.passed }.count
        print("\(lines.count) calls, \(failed) failed")
        if failed > 0 || lines.isEmpty { throw ExitCode(1) }
    }
}

/// `omi-backend parity`: the same read-only requests to two servers, shapes compared.
struct Parity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the JSON shapes two servers answer to the desktop's read-only requests; exits 1 on any difference.")

    @Option(name: .customLong("a"), help: "The first server's base URL.")
    var a: String
    @Option(name: .customLong("token-a"), help: "A bearer token for the first server.")
    var tokenA: String
    @Option(name: .customLong("b"), help: "The second server's base URL.")
    var b: String
    @Option(name: .customLong("token-b"), help: "A bearer token for the second server.")
    var tokenB: String

    func validate() throws {
        for url in [a, b] where URL(string: url)?.scheme == nil {
            throw ValidationError("\(url) is not an absolute URL")
        }
    }

    func run() async throws {
        let results = await ParityCheck(a: .init(baseURL: URL(string: a)!, token: tokenA),
                                        b: .init(baseURL: URL(string: b)!, token: tokenB)).run()
        let different = results.filter { !$0.differences.isEmpty }.count
        print("\(results.count) routes, \(different) with differences")
        if different > 0 { throw ExitCode(1) }
    }
}
