import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

/// The real Envoy 1.40 reads what the translators make (our own protos → Swift → JSON with type
/// URLs → Envoy's own proto parsing and validation).
@Suite("Envoy interop: translated resources in envoy --mode validate", .serialized)
struct EnvoyInteropTests {
    @Test("Envoy accepts every translated listener, route configuration, cluster, endpoint set and secret")
    func accepted() async throws {
        let set = XDSResourceSet(snapshot: try MeshFixture.compile())
        #expect(set[XDSTypeURL.listener].count >= 3)
        let result = try await EnvoyValidation.validate(try EnvoyValidation.selfContained(set))
        #expect(result.accepted, "\(result.output)")
    }

    @Test("Envoy accepts the resources as served over ADS (EDS, RDS, SDS by reference)")
    func acceptedAsServed() async throws {
        let set = XDSResourceSet(snapshot: try MeshFixture.compile())
        let result = try await EnvoyValidation.validate(try EnvoyValidation.asServed(set))
        #expect(result.accepted, "\(result.output)")
    }

    @Test("Envoy rejects a deliberately broken cluster (connect timeout 0), so the check can fail")
    func rejected() async throws {
        let set = XDSResourceSet(snapshot: try MeshFixture.compile())
        let broken = try EnvoyValidation.selfContained(set) { cluster in
            if cluster.name == MeshFixture.reviewsV1 { cluster.connectTimeout = .init(seconds: 0) }
        }
        let result = try await EnvoyValidation.validate(broken)
        #expect(!result.accepted)
        #expect(
            result.output.contains("ConnectTimeout") || result.output.contains("connect_timeout"),
            "\(result.output)"
        )
    }

    @Test("Envoy accepts the node proxy's listeners: no socket of their own, original destination, direction")
    func proxyListeners() async throws {
        let tcp = Snapshot.FilterChain(name: "tcp", destination: .tcp([.init(name: MeshFixture.shop, weight: 100)]))
        var snapshot = try MeshFixture.compile()
        snapshot.listeners += [
            Snapshot.Listener(
                name: "240.240.0.1_8000",
                address: "240.240.0.1",
                port: 8000,
                protocol: .tcp,
                filterChains: [tcp],
                role: .proxy,
                bindToPort: false,
                direction: .outbound
            ),
            Snapshot.Listener(
                name: "virtualOutbound",
                address: "127.0.0.1",
                port: 15001,
                protocol: .tcp,
                filterChains: [],
                role: .proxy,
                useOriginalDestination: true,
                direction: .outbound
            ),
        ]
        let result = try await EnvoyValidation.validate(
            try EnvoyValidation.selfContained(XDSResourceSet(snapshot: snapshot))
        )
        #expect(result.accepted, "\(result.output)")
    }
}

@Suite("Envoy interop: our binary encoding decoded by Envoy", .serialized)
struct EnvoyBinaryInteropTests {
    @Test("every translated cluster and listener, sent as binary protobuf, comes back from /config_dump unchanged")
    func roundTrip() async throws {
        var resources = try EnvoyValidation.selfContainedResources(XDSResourceSet(snapshot: try MeshFixture.compile()))
        // No sockets: the listeners are configured and dumped, but take no port on this machine.
        for index in resources.listeners.indices { resources.listeners[index].bindToPort = .init(false) }
        let decoded = try await EnvoyBinaryRoundTrip.run(resources)
        // Compared as text format (by field name, maps sorted): an `Any` decoded from JSON and
        // one decoded from bytes hold the same message in different forms, which `==` tells apart.
        let sentClusters = Dictionary(uniqueKeysWithValues: resources.clusters.map { ($0.name, $0) })
        #expect(decoded.clusters.count == sentClusters.count)
        for cluster in decoded.clusters {
            #expect(
                cluster.textFormatString() == sentClusters[cluster.name]?.textFormatString(),
                "\(EnvoyBinaryRoundTrip.difference(cluster, sentClusters[cluster.name]))"
            )
        }
        let sentListeners = Dictionary(uniqueKeysWithValues: resources.listeners.map { ($0.name, $0) })
        #expect(decoded.listeners.count == sentListeners.count)
        for listener in decoded.listeners {
            #expect(
                listener.textFormatString() == sentListeners[listener.name]?.textFormatString(),
                "\(EnvoyBinaryRoundTrip.difference(listener, sentListeners[listener.name]))"
            )
        }
        #expect(!decoded.log.contains("rejected"), "\(decoded.log)")
    }
}
