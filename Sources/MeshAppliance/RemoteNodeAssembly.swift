import Foundation
import Logging
import MeshAPI
import MeshCA
import MeshCore
import MeshModel
import MeshRemote
import MeshXDSClient
import ServiceLifecycle

/// A remote node (`controlPlane.url`, `--control-plane`): its snapshots come over xDS from the
/// control plane's ADS server instead of a compiler in this process.
///
/// At start the node certificate in `<data-dir>/node/identity.json` is used when it is valid for
/// this node name; otherwise the join token is spent on one at the control plane's admin API
/// (`POST /join/v1/node`) and stored (mode 0600). The `XDSClient` then serves the persisted
/// snapshot (if any) at once and follows the control plane, renewing the certificate over the
/// same mutual TLS.
struct RemoteNodeAssembly {
    let client: XDSClient
    let service: ServiceGroupConfiguration.ServiceConfiguration

    /// Nil unless `controlPlane.url` is set. Refuses the roles that need a control plane of their own.
    static func make(_ configuration: ApplianceConfiguration) async throws -> RemoteNodeAssembly? {
        guard let settings = try configuration.controlPlane.resolve() else { return nil }
        let refused = configuration.roles.filter { [.config, .registry, .ca].contains($0) }
        guard refused.isEmpty else {
            throw ApplianceError(
                "--control-plane: a remote node runs only data-plane roles (gateway, proxy; console optional); it takes config, registry and CA from the control plane, so it cannot run "
                    + refused.map(\.rawValue).joined(separator: ", ") + " (e.g. --roles gateway)")
        }
        guard !configuration.xds.enabled else {
            throw ApplianceError("xds.enabled: a remote node (--control-plane) does not serve xDS itself")
        }
        let roles = Set(configuration.roles.filter(\.isDataPlane).compactMap { DataPlaneRole(rawValue: $0.rawValue) })
        guard !roles.isEmpty else {
            throw ApplianceError("--control-plane: name a data-plane role to run (--roles gateway or --roles proxy)")
        }
        let logger = Logger(label: "meshbox.node")
        let files = NodeFiles(dataDirectory: configuration.dataDirectory)
        let identity = try await nodeIdentity(configuration, settings: settings, files: files, logger: logger)
        let client: XDSClient
        do {
            client = try XDSClient(
                configuration: .init(
                    host: settings.host, port: settings.port, security: .mutualTLS(serverName: settings.serverName),
                    roles: roles, files: files,
                    makeCSR: { spiffeID in try CSRBuilder.make(spiffeID: spiffeID) }),
                identity: identity, logger: Logger(label: "meshbox.xds.client"))
        } catch {
            throw ApplianceError("controlPlane: \(error.description)")
        }
        logger.info(
            "Remote node: following the control plane",
            metadata: [
                "node": "\(identity.nodeName)", "xds.server": "\(settings.host):\(settings.port)",
                "tls.server_name": "\(settings.serverName)", "certificate.notAfter": "\(identity.notAfter)",
            ])
        return RemoteNodeAssembly(client: client, service: .init(service: client, serviceName: "xds-client"))
    }

    /// The stored node certificate when it is valid for this node; else one bought with the join token.
    static func nodeIdentity(
        _ configuration: ApplianceConfiguration, settings: RemoteNodeSettings.Resolved, files: NodeFiles, logger: Logger
    ) async throws -> NodeIdentity {
        let nodeName = configuration.nodeName
        let stored: NodeIdentity?
        do {
            stored = try files.loadIdentity()
        } catch {
            throw ApplianceError("controlPlane: \(error.description)")
        }
        if let stored, stored.nodeName == nodeName, stored.isValid() { return stored }
        guard let token = configuration.controlPlane.joinToken else {
            let why = stored == nil ? "holds no node certificate" : stored!.nodeName != nodeName
                ? "holds the certificate of node \(stored!.nodeName), not \(nodeName)" : "holds an expired node certificate"
            throw ApplianceError(
                "--join-token: \(files.directory) \(why); give a join token from the control plane (meshbox token create --node \(nodeName))")
        }
        let spiffeID = SPIFFEID.node(nodeName, trustDomain: configuration.trustDomain).description
        let (csr, key) = try CSRBuilder.make(spiffeID: spiffeID)
        let admin =
            configuration.controlPlane.caFile.map {
                AdminClient(baseURL: settings.adminURL, token: nil, timeout: 30, trustRootsFile: $0)
            } ?? AdminClient(baseURL: settings.adminURL, token: nil)
        let issued: IssuedCertificate
        do {
            issued = try await admin.joinNode(token: token, nodeName: nodeName, csrPEM: csr)
        } catch {
            throw ApplianceError("--join-token: joining as node \(nodeName) at \(settings.adminURL.absoluteString) failed: \(error)")
        }
        let identity = NodeIdentity(nodeName: nodeName, issued: issued, privateKeyPEM: key)
        do {
            try files.saveIdentity(identity)
        } catch {
            throw ApplianceError("controlPlane: \(error.description)")
        }
        logger.info(
            "Joined the control plane",
            metadata: ["node": "\(nodeName)", "spiffe.id": "\(issued.spiffeID)", "certificate.notAfter": "\(issued.notAfter)"])
        return identity
    }
}
