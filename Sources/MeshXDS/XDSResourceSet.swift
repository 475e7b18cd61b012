import Crypto
public import MeshModel
import MeshXDSProto
public import SwiftProtobuf

/// One resource ready to send: packed as `Any`, with a version that changes exactly when its
/// bytes do.
public struct XDSResource: Sendable, Hashable {
    public var name: String
    public var resource: Google_Protobuf_Any
    /// Hex of the first 16 bytes of the SHA-256 of the resource's deterministic serialization: the
    /// same on every control-plane replica and across restarts, so a reconnecting delta client
    /// that presents it gets nothing resent.
    public var version: String

    public init(name: String, resource: Google_Protobuf_Any) {
        self.name = name
        self.resource = resource
        self.version = Self.version(of: resource.value)
    }

    public static func version(of bytes: some Sequence<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(bytes))
        return digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }
}

/// A snapshot as Envoy resources: type URL → name → resource, plus every note of what Envoy
/// cannot take. The ADS server serves SotW and delta from it: per resource for delta
/// (`resources[type][name].version`), per type for SotW (`version(ofType:)`).
public struct XDSResourceSet: Sendable {
    public private(set) var resources: [String: [String: XDSResource]]
    public private(set) var notes: [XDSNote]

    public init(snapshot: Snapshot) {
        var resources: [String: [String: XDSResource]] = [:]
        var notes: [XDSNote] = []
        for typeURL in XDSTypeURL.pushOrder { resources[typeURL] = [:] }

        func add<M: SwiftProtobuf.Message>(_ typeURL: String, _ name: String, _ translation: XDSTranslation<M>) {
            notes += translation.notes
            if resources[typeURL]?[name] != nil {
                notes.append(
                    XDSNote(
                        typeURL: typeURL,
                        resourceName: name,
                        field: "name",
                        message: "a second resource of this name: not served"
                    )
                )
                return
            }
            resources[typeURL, default: [:]][name] = XDSResource(
                name: name,
                resource: XDSAny.pack(translation.resource)
            )
        }

        for listener in snapshot.listeners {
            add(XDSTypeURL.listener, listener.name, ListenerTranslator.translate(listener))
        }
        for configuration in snapshot.routeConfigurations {
            add(
                XDSTypeURL.routeConfiguration,
                configuration.name,
                RouteConfigurationTranslator.translate(configuration)
            )
        }
        for cluster in snapshot.clusters {
            add(XDSTypeURL.cluster, cluster.name, ClusterTranslator.translate(cluster))
        }
        for assignment in snapshot.endpoints {
            add(XDSTypeURL.clusterLoadAssignment, assignment.clusterName, EndpointTranslator.translate(assignment))
        }
        for secret in snapshot.secrets {
            let translation = SecretTranslator.translate(secret)
            if translation.resource.type == nil {
                notes += translation.notes
            } else {
                add(XDSTypeURL.secret, secret.name, translation)
            }
        }
        self.resources = resources
        self.notes = notes
    }

    /// What one (remote) node serves: the listeners of its roles and what they refer to
    /// (`Snapshot.scoped(to:)`), without the control plane's own workload key
    /// (`Snapshot.forRemoteNode()`): the `default` secret is not served, since the node's identity
    /// is its own, not the co-located gateway's.
    public init(snapshot: Snapshot, node: DataPlaneNode) {
        self.init(snapshot: snapshot.scoped(to: node).forRemoteNode())
    }

    /// The resources of one type, by name.
    public subscript(typeURL: String) -> [String: XDSResource] { resources[typeURL] ?? [:] }

    /// The resources of one type sorted by name (the order a SotW response lists them in).
    public func sorted(ofType typeURL: String) -> [XDSResource] {
        self[typeURL].values.sorted { $0.name < $1.name }
    }

    /// A version for the whole set of one type (SotW `version_info`): changes when any resource of
    /// the type is added, removed or changed, and only then.
    public func version(ofType typeURL: String) -> String {
        var bytes: [UInt8] = []
        for resource in sorted(ofType: typeURL) {
            bytes += Array(resource.name.utf8) + [0] + Array(resource.version.utf8) + [0]
        }
        return XDSResource.version(of: bytes)
    }
}
