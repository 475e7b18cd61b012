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
            (bootstrap.yaml, node.crt, node.key mode 0600, ca.crt) and referenced by path.
            """)
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "The node's name: Envoy's node.id and its certificate's identity.") var node: String
    @Option(name: .long, help: "Write bootstrap.yaml and the PEM files into this directory instead of printing.") var outDir: String?
    @Option(name: .long, help: "The ADS server (xds.listen/xds.port of meshbox serve).") var xdsServer = "https://127.0.0.1:15012"
    @Option(name: .long, help: "Envoy's admin port (on 127.0.0.1).") var adminPort = 9901
    @Option(name: .long, help: "Envoy's node.cluster.") var cluster = "meshbox"
    @Flag(name: .long, help: "Incremental ADS (DELTA_GRPC) instead of state of the world.") var delta = false

    func run() async throws {
        guard let url = URL(string: xdsServer), url.scheme == "https", let host = url.host, !host.isEmpty else {
            throw CLIError("--xds-server: expected https://HOST:PORT, got \(xdsServer)")
        }
        guard (0...65535).contains(adminPort) else { throw CLIError("--admin-port: must be 0-65535, got \(adminPort)") }
        let api = try client.client()
        let status = try await withClientErrors { try await api.caStatus() }
        let (csr, key) = try CSRBuilder.make(spiffeID: SPIFFEID.node(node, trustDomain: status.trustDomain).description)
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
        do {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let paths = (certificate: outDir + "/node.crt", key: outDir + "/node.key", ca: outDir + "/ca.crt")
            try material.certificateChainPEM.write(toFile: paths.certificate, atomically: true, encoding: .utf8)
            try writeSecretFile(key, to: paths.key)
            try material.trustedCAPEM.write(toFile: paths.ca, atomically: true, encoding: .utf8)
            bootstrap.tls = .files(certificate: paths.certificate, key: paths.key, trustedCA: paths.ca)
            try bootstrap.yaml.write(toFile: outDir + "/bootstrap.yaml", atomically: true, encoding: .utf8)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("--out-dir \(outDir): cannot write: \(error.localizedDescription)")
        }
        print("wrote \(outDir)/bootstrap.yaml for node \(node) (certificate valid until \(iso(issued.notAfter))); run: envoy -c \(outDir)/bootstrap.yaml")
    }
}
