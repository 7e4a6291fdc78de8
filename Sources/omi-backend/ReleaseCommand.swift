import ArgumentParser
import Foundation
import OmiServer

/// `omi-backend release …`: the operator flow of platform.md §1.8 over the release administration API.
struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register desktop releases and move the stable and beta pointers.",
        discussion: """
            The server is --server, else OMI_SERVER_URL, else \(ReleaseTool.defaultServer). The admin secret is read \
            only from the environment variable RELEASE_SECRET (never a flag, so it does not show in the process list).
            Every pointer command prints the resulting pointer; any failure exits non-zero.
            """,
        subcommands: [Register.self, Channels.self, Promote.self, Rollback.self, List.self])
}

/// Where the server is; the secret comes from the environment only.
/// What every pointer move names: the channel, the generation it expects, and optionally platform and actor.
struct PointerMoveOptions: ParsableArguments {
    @Option(help: "stable or beta.")
    var channel: String

    @Option(name: .customLong("expect-generation"), help: "The channel's current generation, as `channels` shows it.")
    var expectGeneration: Int64

    @Option(help: "macos, windows or linux (default: the tag's platform).")
    var platform: String?

    @Option(help: "Who is making the change, for the history (default: $USER).")
    var actor: String?

    func validate() throws {
        try validateChannel(channel)
        try validatePlatform(platform)
        if expectGeneration < 0 { throw ValidationError("--expect-generation must be 0 or more") }
    }
}

struct ReleaseServerOptions: ParsableArguments {
    @Option(name: .customLong("server"),
            help: "The server's base URL (default: OMI_SERVER_URL, else \(ReleaseTool.defaultServer)).")
    var server: String?

    func tool() throws -> ReleaseTool {
        let environment = ProcessInfo.processInfo.environment
        let url = server ?? environment["OMI_SERVER_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? ReleaseTool.defaultServer
        guard let secret = environment["RELEASE_SECRET"], !secret.isEmpty else {
            throw ReleaseToolError.invalidArgument("RELEASE_SECRET is not set; export it in the environment")
        }
        return try ReleaseTool(server: url, secret: secret)
    }
}

/// Prints the result, or the error on standard error and exits 1.
func runReleaseTool(_ body: () async throws -> any CustomStringConvertible) async throws {
    do {
        let result = try await body()
        print(result.description)
    } catch let error as ReleaseToolError {
        FileHandle.standardError.write(Data("omi-backend release: \(error.description)\n".utf8))
        throw ExitCode.failure
    }
}

func validateChannel(_ channel: String) throws {
    guard ReleaseTool.channelNames.contains(channel) else {
        throw ValidationError("--channel must be stable or beta")
    }
}

func validatePlatform(_ platform: String?) throws {
    if let platform, !ReleaseTool.platforms.contains(platform) {
        throw ValidationError("--platform must be macos, windows or linux")
    }
}

/// The actor recorded in the pointer history: --actor, else the login name.
func defaultActor(_ actor: String?) -> String? {
    if let actor, !actor.isEmpty { return actor }
    let user = ProcessInfo.processInfo.environment["USER"] ?? ""
    return user.isEmpty ? nil : String(user.prefix(100))
}

extension Release {
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register the manifest of an uploaded build (safe to repeat).",
            discussion: """
                Version, build and platform come from the tag; the archive's size and SHA-256 from the local file. \
                An identical repeat answers idempotent. A 409 means the tag was reused with different bytes: give \
                the build a new number.
                """)

        @OptionGroup var connection: ReleaseServerOptions

        @Option(help: "The release tag, e.g. v0.12.64+12064-macos.")
        var tag: String

        @Option(help: "The local signed update archive (the .zip Sparkle installs).")
        var archive: String

        @Option(name: .customLong("archive-url"), help: "The archive's public https URL.")
        var archiveURL: String

        @Option(name: .customLong("installer-url"), help: "The manual installer's public https URL (.dmg, .exe, .AppImage).")
        var installerURL: String

        @Option(name: .customLong("installer"), help: "The local installer file, to record its SHA-256.")
        var installerPath: String?

        @Option(name: .customLong("ed-signature"), help: "The archive's base64 EdDSA signature (required for macOS).")
        var edSignature: String?

        @Option(name: .customLong("ed-signature-file"),
                help: "A file holding the signature, bare or as sign_update's sparkle:edSignature=\"…\" output.")
        var edSignatureFile: String?

        @Option(help: "One changelog item; repeat for more.")
        var changelog: [String] = []

        @Option(name: .customLong("minimum-system-version"), help: "e.g. 14.0")
        var minimumSystemVersion: String?

        @Flag(help: "Mark the update critical.")
        var critical = false

        @Flag(name: .customLong("beta-only"), help: "The release may never become a stable target.")
        var betaOnly = false

        @Option(name: .customLong("release-notes-url"), help: "An https URL of the release notes.")
        var releaseNotesURL: String?

        @Option(name: .customLong("source-sha"), help: "The 40-character commit the build came from.")
        var sourceSHA: String?

        @Option(name: .customLong("published-at"), help: "ISO-8601 with an offset (default: registration time).")
        var publishedAt: String?

        func validate() throws {
            if edSignature != nil && edSignatureFile != nil {
                throw ValidationError("give --ed-signature or --ed-signature-file, not both")
            }
            if tag.hasSuffix("-macos") && edSignature == nil && edSignatureFile == nil {
                throw ValidationError("a macOS release needs --ed-signature or --ed-signature-file")
            }
        }

        func run() async throws {
            try await runReleaseTool {
                let tool = try connection.tool()
                let signature = try edSignatureFile.map { try ReleaseTool.readSignature(path: $0) } ?? edSignature
                return try await tool.register(
                    tag: tag, archive: archive, archiveURL: archiveURL, installerURL: installerURL,
                    edSignature: signature, installerPath: installerPath, changelog: changelog,
                    minimumSystemVersion: minimumSystemVersion, critical: critical, betaOnly: betaOnly,
                    releaseNotesURL: releaseNotesURL, sourceSHA: sourceSHA, publishedAt: publishedAt)
            }
        }
    }

    struct Channels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show both pointers (release, build, generation) and the latest history.")

        @OptionGroup var connection: ReleaseServerOptions

        @Option(help: "macos, windows or linux.")
        var platform = "macos"

        func validate() throws { try validatePlatform(platform) }

        func run() async throws {
            try await runReleaseTool {
                try await connection.tool().channels(platform: platform)
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a pointer forward to a release, then check the feed.",
            discussion: """
                Read the channel's generation with `channels` first. Repeating a promote whose response was lost is \
                safe: it answers idempotent when the first attempt went through. A 409 "generation mismatch" means \
                someone else moved the pointer: re-read it with `channels` and decide again.
                """)

        @OptionGroup var connection: ReleaseServerOptions
        @OptionGroup var move: PointerMoveOptions

        @Option(name: .customLong("release"), help: "The release tag, e.g. v0.12.64+12064-macos.")
        var releaseId: String

        func run() async throws {
            try await runReleaseTool {
                try await connection.tool().promote(platform: move.platform, channel: move.channel, releaseId: releaseId,
                                                    expectGeneration: move.expectGeneration,
                                                    actor: defaultActor(move.actor))
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a pointer back to one of its earlier targets, with a reason, then check the feed.",
            discussion: """
                A rollback stops further installs of a bad build; machines that already installed it are fixed by \
                registering and promoting a newer build.
                """)

        @OptionGroup var connection: ReleaseServerOptions
        @OptionGroup var move: PointerMoveOptions

        @Option(name: .customLong("to"), help: "The earlier release tag to go back to.")
        var target: String

        @Option(help: "Why, for the history (1 to 500 characters).")
        var reason: String

        func validate() throws {
            if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("--reason must not be empty")
            }
        }

        func run() async throws {
            try await runReleaseTool {
                try await connection.tool().rollback(platform: move.platform, channel: move.channel, to: target,
                                                     expectGeneration: move.expectGeneration, reason: reason,
                                                     actor: defaultActor(move.actor))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List registered releases, newest build first.")

        @OptionGroup var connection: ReleaseServerOptions

        @Option(help: "Only this platform: macos, windows or linux.")
        var platform: String?

        @Option(help: "Releases per page, 1 to 100 (default 20; 100 with --all).")
        var limit: Int?

        @Flag(help: "Follow next_cursor through every page.")
        var all = false

        func validate() throws {
            try validatePlatform(platform)
            if let limit, !(1...100).contains(limit) { throw ValidationError("--limit must be between 1 and 100") }
        }

        func run() async throws {
            try await runReleaseTool {
                try await connection.tool().list(platform: platform, limit: limit, all: all)
            }
        }
    }
}
