public import Foundation
public import MeshModel

/// What the ca role hands a co-located compiler (DESIGN.md, data flow: "CA (certs, trust bundle)"):
/// the gateway's own mesh workload certificate, the trust bundle, and the certificates the mesh CA
/// issued for Gateway servers that ask for them (`credentialName: meshbox-ca`).
///
/// A value, so that a renewal or a root rotation is a new input and the compiler makes a new
/// snapshot whose secrets carry the new material inline. Private keys are in here: `description`
/// and the mirror are redacted; the type is deliberately not `Codable`.
public struct MeshCAMaterial: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// A certificate chain and its private key, generated where it is used (the CA never saw it).
    public struct Credential: Sendable, Hashable {
        /// The leaf first, then the intermediates the CA sent (during a root rotation, the new root
        /// cross-signed by the old one).
        public var certificateChainPEM: String
        public var privateKeyPEM: String
        public var serialNumber: String
        public var notBefore: Date
        public var notAfter: Date

        public init(certificateChainPEM: String, privateKeyPEM: String, serialNumber: String, notBefore: Date, notAfter: Date) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.serialNumber = serialNumber
            self.notBefore = notBefore
            self.notAfter = notAfter
        }
    }

    public var trustDomain: String
    /// Every root peers are trusted by now (both during a root rotation's overlap), PEM.
    public var trustBundlePEM: String
    /// The gateway's SPIFFE ID, e.g. `spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account`.
    public var workloadSPIFFEID: String
    /// The gateway's workload certificate; nil while it could not be issued (the compiler then warns).
    public var workload: Credential?
    /// Server certificates for `credentialName: meshbox-ca`, by `MeshCAMaterial.hostKey(_:)` of their DNS names.
    public var serverCertificates: [String: Credential]

    public init(
        trustDomain: String, trustBundlePEM: String, workloadSPIFFEID: String, workload: Credential?,
        serverCertificates: [String: Credential] = [:]
    ) {
        self.trustDomain = trustDomain
        self.trustBundlePEM = trustBundlePEM
        self.workloadSPIFFEID = workloadSPIFFEID
        self.workload = workload
        self.serverCertificates = serverCertificates
    }

    public var description: String {
        let servers = serverCertificates.keys.sorted().map { "\($0) serial \(serverCertificates[$0]!.serialNumber)" }
        return "MeshCAMaterial(trustDomain: \(trustDomain), workload: \(workloadSPIFFEID) "
            + "serial \(workload?.serialNumber ?? "none"), servers: [\(servers.joined(separator: ", "))], keys redacted)"
    }

    public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }
}

extension MeshCAMaterial {
    /// The reserved `credentialName` of a Gateway server whose certificate the mesh CA issues for the
    /// server's hosts (DNS SANs) and renews. A `Secret` by this name is not consulted.
    public static let reservedCredentialName = "meshbox-ca"

    /// The key of a server certificate: its DNS names, lower-cased, sorted, comma-joined.
    public static func hostKey(_ dnsNames: [String]) -> String {
        Set(dnsNames.map { $0.lowercased() }).sorted().joined(separator: ",")
    }

    /// A Gateway server that asks for a mesh-CA certificate, with its DNS names or why it cannot have one.
    public struct ServerCertificateRequest: Sendable, Hashable {
        /// Why the CA will not sign a server's hosts: the first bad `hosts[hostIndex]` and the reason.
        public struct Refusal: Sendable, Hashable {
            public var hostIndex: Int
            public var reason: String
        }

        public var gateway: ResourceKey
        public var serverIndex: Int
        /// The server's hosts without a `namespace/` prefix, lower-cased, in order.
        public var dnsNames: [String]
        /// nil when every host is an exact DNS name.
        public var refusal: Refusal?
    }

    /// The Gateway servers in `config` with `tls.credentialName: meshbox-ca`, by key then index.
    public static func serverCertificateRequests(in config: ConfigState) -> [ServerCertificateRequest] {
        config.resources(of: .gateway).flatMap { stored -> [ServerCertificateRequest] in
            guard case .gateway(let spec) = stored.resource.spec else { return [] }
            return spec.servers.indices.compactMap {
                serverCertificateRequest(for: spec.servers[$0], index: $0, of: stored.key)
            }
        }
    }

    /// The request of one Gateway server, nil unless it has `tls.credentialName: meshbox-ca`. The CA
    /// issues exact DNS names only: `*`, wildcards and names that are not DNS names are refused.
    public static func serverCertificateRequest(
        for server: GatewaySpec.Server, index: Int, of gateway: ResourceKey
    ) -> ServerCertificateRequest? {
        guard server.tls?.credentialName == reservedCredentialName else { return nil }
        let names = server.hosts.map { entry in
            (entry.split(separator: "/", maxSplits: 1).last.map(String.init) ?? entry).lowercased()
        }
        var refusal: ServerCertificateRequest.Refusal?
        if names.isEmpty {
            refusal = .init(hostIndex: 0, reason: "a server with credentialName \(reservedCredentialName) needs hosts")
        }
        for (hostIndex, name) in names.enumerated() where refusal == nil {
            if let reason = dnsNameProblem(name) { refusal = .init(hostIndex: hostIndex, reason: reason) }
        }
        return ServerCertificateRequest(gateway: gateway, serverIndex: index, dnsNames: names, refusal: refusal)
    }

    /// Why the mesh CA will not put `name` in a certificate, or nil for an exact DNS name.
    public static func dnsNameProblem(_ name: String) -> String? {
        if name == "*" {
            return "the mesh CA does not issue a certificate for any host (*); list the exact host names"
        }
        if name.contains("*") {
            return "the mesh CA issues exact host names only, not wildcards (\(name))"
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
            }
        return valid ? nil : "\(name) is not a DNS host name"
    }
}
