import ArgumentParser
import Foundation
import MeshAPI
import MeshModel
import MeshRemote

/// `meshbox create secret …`: builds a resource from files, as kubectl's `create` does, and
/// applies it through the admin API like `apply -f`.
struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a resource from files (like kubectl create).",
        subcommands: [CreateSecret.self]
    )
}

struct CreateSecret: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Create a Secret: tls (certificate and key, for a Gateway's credentialName) or generic (from files).",
        subcommands: [CreateTLSSecret.self, CreateGenericSecret.self]
    )
}

/// The flags both kinds of Secret share.
struct SecretTarget: ParsableArguments {
    @Argument(help: "Secret name.")
    var name: String

    @Option(name: .shortAndLong, help: "Namespace (default: default).")
    var namespace: String = ObjectMeta.defaultNamespace

    @Flag(name: .long, help: "Print the Secret as YAML (values redacted) and check it locally; write nothing.")
    var dryRun = false
}

struct CreateTLSSecret: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Create a kubernetes.io/tls Secret: create secret tls NAME --cert FILE --key FILE [--ca-cert FILE].",
        discussion: """
            The server checks that the key belongs to the certificate, that the certificates are PEM \
            and within their validity, and answers with the field at fault (e.g. stringData.tls.key).
            """
    )

    @OptionGroup var target: SecretTarget
    @OptionGroup var client: ClientOptions

    @Option(name: .long, help: "PEM certificate chain, leaf first (tls.crt).")
    var cert: String

    @Option(name: .long, help: "PEM private key of the leaf (tls.key).")
    var key: String

    @Option(name: .long, help: "PEM CA certificates that verify client certificates, for MUTUAL (ca.crt).")
    var caCert: String?

    func run() async throws {
        let spec = SecretSpec.tls(
            certificateChainPEM: try readSecretFile(cert, flag: "--cert"),
            privateKeyPEM: try readSecretFile(key, flag: "--key"),
            caCertificatesPEM: try caCert.map { try readSecretFile($0, flag: "--ca-cert") }
        )
        try await createSecret(spec, target: target, client: client)
    }
}

struct CreateGenericSecret: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generic",
        abstract: "Create an Opaque Secret from files: create secret generic NAME --from-file=[KEY=]FILE ….",
        discussion: """
            KEY defaults to the file's name. meshbox reads the keys tls.crt, tls.key and ca.crt; \
            Istio's generic-Secret names cert, key and cacert are stored under those. The usual \
            use: Istio's <credentialName>-cacert Secret, `--from-file=cacert=ca.pem`.
            """
    )

    @OptionGroup var target: SecretTarget
    @OptionGroup var client: ClientOptions

    @Option(name: .customLong("from-file"), help: "[KEY=]FILE; repeatable.")
    var fromFile: [String] = []

    /// Istio's generic-Secret keys and the ones meshbox reads.
    static let istioKeys = ["cert": SecretSpec.certificateKey, "key": SecretSpec.privateKeyKey, "cacert": SecretSpec.caCertificatesKey]

    func run() async throws {
        guard !fromFile.isEmpty else { throw CLIError("--from-file: give at least one [KEY=]FILE") }
        var values: [String: String] = [:]
        for argument in fromFile {
            let (given, path) = Self.split(argument)
            let key = Self.istioKeys[given] ?? given
            guard values[key] == nil else { throw CLIError("--from-file \(argument): key \(key) given twice") }
            values[key] = try readSecretFile(path, flag: "--from-file")
        }
        try await createSecret(SecretSpec(type: .opaque, stringData: values), target: target, client: client)
    }

    /// `KEY=FILE`, or `FILE` with its base name as the key.
    static func split(_ argument: String) -> (key: String, path: String) {
        if let equals = argument.firstIndex(of: "="), equals != argument.startIndex {
            return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }
        return ((argument as NSString).lastPathComponent, argument)
    }
}

/// Reads a PEM (or any text) file for a Secret, with the flag in the error.
func readSecretFile(_ path: String, flag: String) throws -> String {
    guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(flag) \(path): no such file") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError("\(flag) \(path): cannot read (permission denied?)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw CLIError("\(flag) \(path): not text; give PEM (a DER file converts with `openssl x509 -inform der`)")
    }
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw CLIError("\(flag) \(path): empty file") }
    return text
}

/// Applies (or, with `--dry-run`, prints and checks locally) a Secret.
func createSecret(_ spec: SecretSpec, target: SecretTarget, client: ClientOptions) async throws {
    let resource = Resource(metadata: ObjectMeta(name: target.name, namespace: target.namespace), spec: .secret(spec))
    if target.dryRun {
        // Redacted, as every read path shows Secrets: sizes and SHA-256 prefixes, no key material.
        print(ResourceEncoder.yaml([resource]), terminator: "")
        let issues = Validator.validate(resource)
        printWarnings(issues.filter { $0.severity == .warning })
        let errors = issues.filter { $0.severity == .error }
        guard errors.isEmpty else {
            FileHandle.standardError.write(Data(errors.map { "error: \($0.description)\n" }.joined().utf8))
            throw ExitCode(1)
        }
        print("secret/\(target.name) (\(target.namespace)) checked (dry run)")
        return
    }
    // The real values go to the server as JSON (YAML's superset); ResourceEncoder would redact them.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let text = String(decoding: try encoder.encode(resource), as: UTF8.self)
    let api = try client.client()
    let result = try await withClientErrors { try await api.apply(text) }
    printWarnings(result.warnings)
    for outcome in result.outcomes {
        print("secret/\(outcome.key.name) (\(outcome.key.namespace)) \(outcome.action.rawValue)")
    }
}
