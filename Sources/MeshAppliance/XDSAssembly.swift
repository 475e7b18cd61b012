import Logging
import MeshAPI
import MeshCA
import MeshCompiler
import MeshCore
import MeshXDSServer
import ServiceLifecycle

/// The ADS server of this process (`xds.enabled`): serves the compiler's snapshots to Envoy
/// proxies and remote nodes over xDS v3 with mutual TLS. Its own certificate comes from the mesh
/// CA of this process; a client must present a node certificate from the same CA (the join flow,
/// or `meshbox envoy bootstrap`) naming the node it asks for.
///
/// Renewal: the server's certificate has the CA's default leaf lifetime (`ca.leafTTL`) and the
/// server asks the CA for a new one (fresh key, same DNS names) at two thirds of its life; new
/// TLS handshakes get it, open streams keep theirs (`XDSServer.TLS.renewCertificate`). Nodes renew
/// their own certificates over the same listener (`NodeCertificates.Renew`,
/// `CertificateAuthority.renewNode`).
struct XDSAssembly {
    let server: XDSServer
    let service: ServiceGroupConfiguration.ServiceConfiguration
    /// For the admin API's `GET /api/v1/xds/nodes`.
    var nodes: XDSNodes { XDSNodes(board: server.status) }

    static func make(
        _ configuration: ApplianceConfiguration, authority: CertificateAuthority?, publisher: SnapshotPublisher?
    ) async throws -> XDSAssembly? {
        let settings = configuration.xds
        guard settings.enabled else { return nil }
        var missing: [String] = []
        if authority == nil { missing.append("ca") }
        if publisher == nil {
            missing += [MeshRole.config, .registry].filter { !configuration.roles.contains($0) }.map(\.rawValue)
        }
        guard let authority, let publisher else {
            throw ApplianceError(
                "xds.enabled: the ADS server needs the ca, config and registry roles in the same process; missing: "
                    + missing.joined(separator: ", "))
        }
        let logger = Logger(label: "meshbox.xds")
        let dnsNames = serverDNSNames(configuration)
        let issue: XDSServerCertificateIssue = {
            let issued = try await authority.issueListenerCertificate(dnsNames: dnsNames, ttl: nil)
            return XDSServerCertificate(
                certificateChainPEM: issued.certificate.presentedChainPEM, privateKeyPEM: issued.privateKeyPEM,
                serialNumber: issued.certificate.serialNumber, notAfter: issued.certificate.notAfter)
        }
        let issued: XDSServerCertificate
        do {
            issued = try await issue()
        } catch {
            throw ApplianceError("xds: the CA did not issue the ADS server's certificate: \(error)")
        }
        let trustDomain = configuration.trustDomain
        // An Envoy node's own mesh identity (`default` for ISTIO_MUTUAL): its node identity, with a
        // key made here, the CA's leaf lifetime, requester `node:<id>` in the issued log.
        let envoyIdentity: XDSEnvoyIdentityIssue = { nodeID in
            let (csr, key) = try CSRBuilder.make(spiffeID: SPIFFEID.node(nodeID, trustDomain: trustDomain).description)
            let issued = try await authority.sign(csrPEM: csr, ttl: nil, requester: .node(nodeID))
            return XDSWorkloadCertificate(
                certificateChainPEM: issued.presentedChainPEM, privateKeyPEM: key, trustBundlePEM: issued.trustBundlePEM,
                serialNumber: issued.serialNumber, notBefore: issued.notBefore, notAfter: issued.notAfter)
        }
        let server: XDSServer
        do {
            server = try XDSServer(
                configuration: .init(
                    host: settings.listen, port: settings.port,
                    security: .mutualTLS(
                        .init(
                            certificateChainPEM: issued.certificateChainPEM, privateKeyPEM: issued.privateKeyPEM,
                            trustRootsPEM: await authority.trustBundlePEM(),
                            nodeIdentity: { SPIFFEID.node($0, trustDomain: trustDomain).description },
                            renewNodeCertificate: { peer, csr in try await authority.renewNode(peerIdentity: peer, csrPEM: csr) },
                            renewCertificate: issue, trustBundleUpdates: authority.trustBundleUpdates.updates()))),
                source: publisher, translate: XDSServer.meshTranslation, envoyIdentity: envoyIdentity, logger: logger)
        } catch {
            throw ApplianceError(error.description)
        }
        logger.info(
            "Issued the ADS server's certificate from the mesh CA",
            metadata: ["tls.hosts": "\(dnsNames.joined(separator: ","))", "ca.serial": "\(issued.serialNumber)", "ca.not_after": "\(issued.notAfter)"])
        let listening = XDSListening(server: server, host: settings.listen, logger: logger)
        return XDSAssembly(server: server, service: .init(service: listening, serviceName: "xds"))
    }

    /// The DNS names in the server's certificate: `localhost` and the node name when it is a DNS
    /// name. Envoy's bootstrap from `meshbox envoy bootstrap` checks the chain, not a name.
    static func serverDNSNames(_ configuration: ApplianceConfiguration) -> [String] {
        var names = ["localhost"]
        let node = configuration.nodeName.lowercased()
        if MeshCAMaterial.dnsNameProblem(node) == nil, !node.split(separator: ".").allSatisfy({ UInt8($0) != nil }),
            !names.contains(node)
        {
            names.append(node)
        }
        return names
    }
}

/// Runs the server and logs "xDS server listening" with the bound address once it listens.
struct XDSListening: Service {
    let server: XDSServer
    let host: String
    let logger: Logger

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask {
                guard let port = try await server.listeningPort() else { return }
                let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
                logger.info("xDS server listening", metadata: ["xds.address": "\(address)"])
            }
            try await group.waitForAll()
        }
    }
}

/// The server's node status board as the console reads it.
struct XDSNodes: XDSStatusSource {
    let board: XDSNodeStatusBoard

    func xdsNodes() async -> XDSNodeList {
        XDSNodeList(await board.nodes())
    }
}
