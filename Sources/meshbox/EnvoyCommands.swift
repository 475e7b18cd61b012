import ArgumentParser
import Foundation
import MeshAPI
import MeshCA
import MeshRemote

struct Envoy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envoy", abstract: "Connect an unmodified Envoy to this control plane's ADS server.",
        subcommands: [EnvoyBootstrapCommand.self])
}

struct EnvoyBootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Print an Envoy bootstrap (ADS over mutual TLS) with a node certificate the CA issues now.",
        discussion: """
            Spends a new join token for NODE (a node name joins once) on a certificate for
            spiffe://<trust-domain>/ns/meshbox-system/sa/node-NODE, which the ADS server requires.
            The certificate, key and mesh CA are inlined in the YAML, or written beside it with --out-dir
            (bootstrap.yaml, node.crt, node.key mode 0600, ca.crt, and node-sds.yaml, ca-sds.yaml through
            which Envoy reads them and follows their replacement).
            --renew with --out-dir replaces only node.crt, node.key and ca.crt there (a fresh key and a
            certificate the CA signs through the admin API, no join token): Envoy uses them from its next
            connection to the ADS server, without a restart. Run it before half the certificate's life
            (ca.leafTTL) has passed, e.g. from a systemd timer.
            """)
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "The node's name: Envoy's node.id and its certificate's identity.") var node: String
    @Option(name: .long, help: "Write bootstrap.yaml and the PEM files into this directory instead of printing.") var outDir: String?
    @Option(name: .long, help: "The ADS server (xds.listen/xds.port of meshbox serve).") var xdsServer = "https://127.0.0.1:15012"
    @Option(name: .long, help: "Envoy's admin port (on 127.0.0.1).") var adminPort = 9901
    @Option(name: .long, help: "Envoy's node.cluster.") var cluster = "meshbox"
    @Flag(name: .long, help: "Incremental ADS (DELTA_GRPC) instead of state of the world.") var delta = false
    @Flag(name: .long, help: "With --out-dir: renew only the certificate files of a bootstrap written there.") var renew = false

    func run() async throws {
        guard let url = URL(string: xdsServer), url.scheme == "https", let host = url.host, !host.isEmpty else {
            throw CLIError("--xds-server: expected https://HOST:PORT, got \(xdsServer)")
        }
        guard (0...65535).contains(adminPort) else { throw CLIError("--admin-port: must be 0-65535, got \(adminPort)") }
        let api = try client.client()
        let status = try await withClientErrors { try await api.caStatus() }
        let (csr, key) = try CSRBuilder.make(spiffeID: SPIFFEID.node(node, trustDomain: status.trustDomain).description)
        if renew {
            guard let outDir else { throw CLIError("--renew: needs --out-dir, the directory of the bootstrap to renew") }
            let sds = outDir + "/" + EnvoyBootstrap.FileName.certificateSDS
            guard FileManager.default.fileExists(atPath: sds) else {
                throw CLIError("--renew: \(sds) does not exist; write the bootstrap there first (without --renew)")
            }
            let issued = try await withClientErrors { try await api.caSign(csrPEM: csr, ttl: nil) }
            try writeFiles(
                EnvoyBootstrap.TLSMaterial(
                    certificateChainPEM: issued.presentedChainPEM, privateKeyPEM: key, trustedCAPEM: issued.trustBundlePEM),
                into: outDir)
            return print("renewed \(outDir)/\(EnvoyBootstrap.FileName.certificate) for node \(node) (serial \(issued.serialNumber), valid until \(iso(issued.notAfter)))")
        }
        let issued = try await withClientErrors {
            let token = try await api.createJoinToken(ttl: "10m", nodeName: node)
            return try await api.joinNode(token: token.token, nodeName: node, csrPEM: csr)
        }
        let material = EnvoyBootstrap.TLSMaterial(
            certificateChainPEM: issued.presentedChainPEM, privateKeyPEM: key, trustedCAPEM: issued.trustBundlePEM)
        var bootstrap = EnvoyBootstrap(
            nodeID: node, cluster: cluster, serverHost: host, serverPort: url.port ?? 15012, adminPort: adminPort,
            delta: delta, tls: .inline(material))
        guard let outDir else { return print(bootstrap.yaml, terminator: "") }
        bootstrap.tls = .files(directory: outDir)
        try writeFiles(material, into: outDir)
        for (name, text) in EnvoyBootstrap.sdsFiles(directory: outDir) {
            try replaceFile(outDir + "/" + name, with: text, mode: 0o644)
        }
        try replaceFile(outDir + "/bootstrap.yaml", with: bootstrap.yaml, mode: 0o644)
        print("wrote \(outDir)/bootstrap.yaml for node \(node) (certificate valid until \(iso(issued.notAfter))); run: envoy -c \(outDir)/bootstrap.yaml")
    }

    /// node.key, node.crt and ca.crt in `directory`, each replaced by a rename (what Envoy's
    /// file-based SDS watches): the key first, so the certificate that arrives last finds it.
    private func writeFiles(_ material: EnvoyBootstrap.TLSMaterial, into directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CLIError("--out-dir \(directory): cannot create: \(error.localizedDescription)")
        }
        try replaceFile(directory + "/" + EnvoyBootstrap.FileName.key, with: material.privateKeyPEM, mode: 0o600)
        try replaceFile(directory + "/" + EnvoyBootstrap.FileName.certificate, with: material.certificateChainPEM, mode: 0o644)
        try replaceFile(directory + "/" + EnvoyBootstrap.FileName.trustedCA, with: material.trustedCAPEM, mode: 0o644)
    }

    /// Writes `text` to a new file beside `path` with `mode` and renames it over `path`: a reader
    /// sees the old file or the new one, never a part.
    private func replaceFile(_ path: String, with text: String, mode: mode_t) throws {
        let temporary = path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw CLIError("--out-dir: cannot create \(temporary) (errno \(errno))") }
        let bytes = Array(text.utf8)
        let written = write(descriptor, bytes, bytes.count)
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CLIError("--out-dir: cannot write \(path) (errno \(errno))")
        }
    }
}
