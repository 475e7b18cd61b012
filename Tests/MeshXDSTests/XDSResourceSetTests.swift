import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@Suite("XDSResourceSet: resources by type and name, versions from their bytes")
struct XDSResourceSetTests {
    @Test("every resource of the snapshot is there, packed with its type URL")
    func everyResource() throws {
        let snapshot = try MeshFixture.compile()
        let set = XDSResourceSet(snapshot: snapshot)
        #expect(Set(set[XDSTypeURL.listener].keys) == Set(snapshot.listeners.map(\.name)))
        #expect(Set(set[XDSTypeURL.routeConfiguration].keys) == Set(snapshot.routeConfigurations.map(\.name)))
        #expect(Set(set[XDSTypeURL.cluster].keys) == Set(snapshot.clusters.map(\.name)))
        #expect(Set(set[XDSTypeURL.clusterLoadAssignment].keys) == Set(snapshot.endpoints.map(\.clusterName)))
        #expect(Set(set[XDSTypeURL.secret].keys) == Set(snapshot.secrets.map(\.name)))
        for typeURL in XDSTypeURL.pushOrder {
            #expect(set[typeURL].values.allSatisfy { $0.resource.typeURL == typeURL })
        }
        #expect(XDSTypeURL.cluster == "type.googleapis.com/envoy.config.cluster.v3.Cluster")
        #expect(XDSTypeURL.secret == "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret")
        #expect(set.notes.isEmpty, "\(set.notes)")
    }

    @Test("the same snapshot gives the same bytes and versions, in this process and across compilations")
    func deterministic() throws {
        let first = XDSResourceSet(snapshot: try MeshFixture.compile())
        let second = XDSResourceSet(
            snapshot: try MeshFixture.compile(instances: Array(MeshFixture.instances.reversed()))
        )
        for typeURL in XDSTypeURL.pushOrder {
            #expect(first[typeURL] == second[typeURL])
            #expect(first.version(ofType: typeURL) == second.version(ofType: typeURL))
        }
        // Map fields (per-filter config, protocol options) are serialized sorted: repeat to catch
        // dictionary-order bytes.
        let route = try #require(try MeshFixture.compile().routeConfiguration(named: "http.8080"))
        let bytes = Set((0..<20).map { _ in XDSAny.serialize(RouteConfigurationTranslator.translate(route).resource) })
        #expect(bytes.count == 1)
        #expect(first[XDSTypeURL.cluster][MeshFixture.reviewsV1]?.version.count == 32)
    }

    @Test("one changed cluster changes that cluster's version and the CDS version only")
    func oneChange() throws {
        let snapshot = try MeshFixture.compile()
        var changed = snapshot
        let index = try #require(changed.clusters.firstIndex { $0.name == MeshFixture.reviewsV1 })
        changed.clusters[index].connectTimeout = .seconds(1)
        let before = XDSResourceSet(snapshot: snapshot)
        let after = XDSResourceSet(snapshot: changed)
        let differing = before[XDSTypeURL.cluster].keys.filter {
            before[XDSTypeURL.cluster][$0]?.version != after[XDSTypeURL.cluster][$0]?.version
        }
        #expect(differing == [MeshFixture.reviewsV1])
        #expect(before.version(ofType: XDSTypeURL.cluster) != after.version(ofType: XDSTypeURL.cluster))
        for typeURL in XDSTypeURL.pushOrder where typeURL != XDSTypeURL.cluster {
            #expect(before[typeURL] == after[typeURL])
            #expect(before.version(ofType: typeURL) == after.version(ofType: typeURL))
        }
        // A removed resource changes its type's version too.
        changed.clusters.remove(at: index)
        #expect(
            XDSResourceSet(snapshot: changed).version(ofType: XDSTypeURL.cluster)
                != after.version(ofType: XDSTypeURL.cluster)
        )
    }

    @Test("a node gets the listeners of its roles and the routes they name")
    func scopedToNode() throws {
        var snapshot = try MeshFixture.compile()
        let tcp = Snapshot.FilterChain(name: "tcp", destination: .tcp([.init(name: MeshFixture.shop, weight: 100)]))
        snapshot.listeners.append(
            Snapshot.Listener(
                name: "240.240.0.1_8000",
                address: "240.240.0.1",
                port: 8000,
                protocol: .tcp,
                filterChains: [tcp],
                role: .proxy,
                bindToPort: false,
                direction: .outbound
            )
        )
        let proxy = XDSResourceSet(snapshot: snapshot, node: DataPlaneNode(id: "node-2", roles: [.proxy]))
        let proxyListeners = Set(snapshot.listeners.filter { $0.role == .proxy }.map(\.name))
        #expect(proxyListeners.contains("240.240.0.1_8000"))
        #expect(Set(proxy[XDSTypeURL.listener].keys) == proxyListeners)
        #expect(proxy[XDSTypeURL.routeConfiguration].isEmpty)
        #expect(proxy[XDSTypeURL.cluster].count == snapshot.clusters.count)
        let gateway = XDSResourceSet(snapshot: snapshot, node: DataPlaneNode(id: "edge-1", roles: [.gateway]))
        #expect(!gateway[XDSTypeURL.listener].keys.contains("240.240.0.1_8000"))
        #expect(gateway[XDSTypeURL.routeConfiguration].count == snapshot.routeConfigurations.count)
    }

    @Test("the resources unpack to what the translators made")
    func roundTrip() throws {
        let snapshot = try MeshFixture.compile()
        let set = XDSResourceSet(snapshot: snapshot)
        let packed = try #require(set[XDSTypeURL.cluster][MeshFixture.reviewsV1])
        let cluster = try Envoy_Config_Cluster_V3_Cluster(unpackingAny: packed.resource)
        #expect(
            cluster
                == ClusterTranslator.translate(try #require(snapshot.cluster(named: MeshFixture.reviewsV1))).resource
        )
        #expect(set.sorted(ofType: XDSTypeURL.cluster).map(\.name) == snapshot.clusters.map(\.name).sorted())
    }
}
