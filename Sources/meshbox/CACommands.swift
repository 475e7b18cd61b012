import ArgumentParser
import Foundation
import MeshAPI
import MeshCA
import MeshRemote

struct CA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Inspect the certificate authority and issue certificates.",
        subcommands: [CAStatusCommand.self, CABundle.self, CAIssue.self, CARotateRoot.self]
    )
}

struct CAStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Roots, intermediates, issued certificates and their expiry.")
    @OptionGroup var client: ClientOptions
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() async throws {
        let api = try client.client()
        let status = try await withClientErrors { try await api.caStatus() }
        if output != .table {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        print("trust domain: \(status.trustDomain)")
        var rows = [["KIND", "SUBJECT", "SERIAL", "NOT AFTER", "LEFT"]]
        for root in status.roots { rows.append(["root", root.subject, String(root.serialNumber.prefix(16)), iso(root.notAfter), left(root.notAfter)]) }
        for intermediate in status.intermediates {
            rows.append(["intermediate", intermediate.subject, String(intermediate.serialNumber.prefix(16)), iso(intermediate.notAfter), left(intermediate.notAfter)])
        }
        for issued in status.issued { rows.append(["leaf", issued.spiffeID, String(issued.serialNumber.prefix(16)), iso(issued.notAfter), left(issued.notAfter)]) }
        printTable(rows)
    }
}

struct CABundle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bundle", abstract: "Print the trust bundle (PEM).")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let api = try client.client()
        print(try await withClientErrors { try await api.caBundle() }, terminator: "")
    }
}

struct CAIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Make a key here, have the CA sign it for a SPIFFE ID, write certificate (with chain) and key.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>") var spiffeId: String
    @Option(name: .long, help: "Lifetime, e.g. 24h (default: the CA's default).") var ttl: String?
    @Option(name: .long, help: "Where to write the certificate chain (PEM).") var certOut: String
    @Option(name: .long, help: "Where to write the private key (PEM, mode 0600).") var keyOut: String

    func run() async throws {
        let api = try client.client()
        let (csr, key) = try CSRBuilder.make(spiffeID: spiffeId)
        let issued = try await withClientErrors { try await api.caSign(csrPEM: csr, ttl: ttl) }
        try writeSecretFile(key, to: keyOut)
        do {
            try (issued.certificatePEM + issued.chainPEM).write(toFile: certOut, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("--cert-out \(certOut): cannot write: \(error.localizedDescription)")
        }
        print("issued \(issued.spiffeID) serial \(issued.serialNumber), valid until \(iso(issued.notAfter))")
    }
}

struct CARotateRoot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-root", abstract: "Make a new root; both roots stay trusted until the old root's last leaf expires.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let api = try client.client()
        let status = try await withClientErrors { try await api.caRotateRoot() }
        print("roots now trusted: \(status.roots.count)")
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Join tokens for new nodes.", subcommands: [TokenCreate.self])
}

struct TokenCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Make a one-time join token (shown once).")
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "How long the token stays valid (default 1h).") var ttl: String = "1h"
    @Option(name: .long, help: "The name of the node that will join with it (required; a name joins once).") var node: String

    func run() async throws {
        let api = try client.client()
        let token = try await withClientErrors { try await api.createJoinToken(ttl: ttl, nodeName: node) }
        print(token.token)
        FileHandle.standardError.write(Data("valid until \(iso(token.expiresAt)); it works once\n".utf8))
    }
}

func writeSecretFile(_ text: String, to path: String) throws {
    unlink(path)
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw CLIError("--key-out \(path): cannot create (errno \(errno))") }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard write(descriptor, bytes, bytes.count) == bytes.count else { throw CLIError("--key-out \(path): short write") }
}

func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }

func left(_ date: Date) -> String {
    let seconds = date.timeIntervalSinceNow
    if seconds <= 0 { return "expired" }
    if seconds < 7200 { return "\(Int(seconds / 60))m" }
    if seconds < 172_800 { return "\(Int(seconds / 3600))h" }
    return "\(Int(seconds / 86400))d"
}
