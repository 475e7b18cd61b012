import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@Suite("ListenerTranslator")
struct ListenerTranslatorTests {
    typealias HCM = Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpConnectionManager
    typealias TcpProxy = Envoy_Extensions_Filters_Network_TcpProxy_V3_TcpProxy
    typealias DownstreamTLS = Envoy_Extensions_TransportSockets_Tls_V3_DownstreamTlsContext

    func listener(_ name: String) throws -> XDSTranslation<Envoy_Config_Listener_V3_Listener> {
        let snapshot = try MeshFixture.compile()
        return ListenerTranslator.translate(
            try #require(snapshot.listener(named: name), "\(snapshot.listeners.map(\.name))")
        )
    }

    @Test("an HTTP listener gets a connection manager whose routes come over ADS, with the router last")
    func http() throws {
        let translation = try listener("0.0.0.0_8080")
        let listener = translation.resource
        #expect(translation.notes.isEmpty, "\(translation.notes)")
        #expect(listener.name == "0.0.0.0_8080")
        #expect(listener.address.socketAddress.address == "0.0.0.0")
        #expect(listener.address.socketAddress.portValue == 8080)
        #expect(!listener.hasBindToPort && !listener.hasUseOriginalDst)
        #expect(listener.filterChains.count == 1)
        let filter = try #require(listener.filterChains.first?.filters.first)
        #expect(filter.name == "envoy.filters.network.http_connection_manager")
        let manager = try HCM(unpackingAny: filter.typedConfig)
        #expect(manager.rds.routeConfigName == "http.8080")
        #expect(manager.rds.configSource.ads == Envoy_Config_Core_V3_AggregatedConfigSource())
        #expect(manager.rds.configSource.resourceApiVersion == .v3)
        #expect(manager.statPrefix == "0.0.0.0_8080")
        #expect(manager.httpFilters.map(\.name).last == "envoy.filters.http.router")
        #expect(
            manager.httpFilters.map(\.typedConfig.typeURL).last
                == "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
        )
        #expect(listener.listenerFilters.isEmpty)
    }

    @Test("an HTTPS chain terminates TLS with the certificate by SDS name and TLS 1.2 at least")
    func https() throws {
        let listener = try listener("0.0.0.0_8443").resource
        let chain = try #require(listener.filterChains.first)
        #expect(chain.transportSocket.name == "envoy.transport_sockets.tls")
        let tls = try DownstreamTLS(unpackingAny: chain.transportSocket.typedConfig)
        let common = tls.commonTlsContext
        #expect(common.tlsCertificateSdsSecretConfigs.map(\.name) == ["kubernetes://default/bookinfo-cert"])
        #expect(common.tlsCertificateSdsSecretConfigs.first?.sdsConfig.configSourceSpecifier == .ads(.init()))
        #expect(common.tlsParams.tlsMinimumProtocolVersion == .tlsv12)
        #expect(!tls.hasRequireClientCertificate)
        let manager = try HCM(unpackingAny: try #require(chain.filters.first).typedConfig)
        #expect(manager.rds.routeConfigName.hasPrefix("https.8443."))
    }

    @Test("a MUTUAL chain requires a client certificate from the credential's CA, with the SAN checked")
    func mutual() throws {
        let translation = try listener("0.0.0.0_9443")
        #expect(translation.notes.isEmpty, "\(translation.notes)")
        let chain = try #require(translation.resource.filterChains.first)
        let tls = try DownstreamTLS(unpackingAny: chain.transportSocket.typedConfig)
        #expect(tls.requireClientCertificate.value == true)
        guard case .combinedValidationContext(let combined)? = tls.commonTlsContext.validationContextType else {
            Issue.record("expected a combined validation context: \(tls.commonTlsContext)")
            return
        }
        #expect(combined.validationContextSdsSecretConfig.name == "kubernetes://default/bookinfo-cert-cacert")
        let san = try #require(combined.defaultValidationContext.matchTypedSubjectAltNames.first)
        #expect(san.sanType == .uri)
        #expect(san.matcher.exact == "spiffe://cluster.local/ns/default/sa/client")
    }

    @Test("a passthrough listener matches SNI with the TLS inspector and splits TCP 60/40")
    func passthrough() throws {
        let listener = try listener("0.0.0.0_443").resource
        #expect(listener.listenerFilters.map(\.name) == ["envoy.filters.listener.tls_inspector"])
        let chain = try #require(listener.filterChains.first)
        #expect(chain.filterChainMatch.serverNames == ["api.pay.example.com"])
        #expect(!chain.hasTransportSocket)
        let filter = try #require(chain.filters.first)
        #expect(filter.name == "envoy.filters.network.tcp_proxy")
        let proxy = try TcpProxy(unpackingAny: filter.typedConfig)
        #expect(
            proxy.weightedClusters.clusters.map(\.name) == [
                MeshFixture.payments, "outbound|443|canary|payments.default.svc.cluster.local",
            ]
        )
        #expect(proxy.weightedClusters.clusters.map(\.weight) == [60, 40])
    }

    @Test("the node proxy's fields map to bind_to_port, use_original_dst and traffic_direction")
    func proxyFields() throws {
        let tcp = Snapshot.FilterChain(name: "tcp", destination: .tcp([.init(name: MeshFixture.shop, weight: 100)]))
        let vip = Snapshot.Listener(
            name: "240.240.0.1_8000",
            address: "240.240.0.1",
            port: 8000,
            protocol: .tcp,
            filterChains: [tcp],
            role: .proxy,
            bindToPort: false,
            direction: .outbound
        )
        let outbound = Snapshot.Listener(
            name: "virtualOutbound",
            address: "127.0.0.1",
            port: 15001,
            protocol: .tcp,
            filterChains: [],
            role: .proxy,
            useOriginalDestination: true,
            direction: .inbound
        )
        let first = ListenerTranslator.translate(vip).resource
        #expect(first.bindToPort.value == false && first.hasBindToPort)
        #expect(!first.hasUseOriginalDst)
        #expect(first.trafficDirection == .outbound)
        #expect(try TcpProxy(unpackingAny: first.filterChains[0].filters[0].typedConfig).cluster == MeshFixture.shop)
        let second = ListenerTranslator.translate(outbound)
        #expect(second.resource.useOriginalDst.value == true)
        #expect(!second.resource.hasBindToPort)
        #expect(second.resource.trafficDirection == .inbound)
        // Envoy refuses a listener without chains; ours closes what no chain takes.
        #expect(second.resource.filterChains.isEmpty)
        #expect(second.resource.hasDefaultFilterChain && second.resource.defaultFilterChain.filters.isEmpty)
        #expect(second.notes.isEmpty)
    }

    @Test("a chain with AuthorizationPolicies refuses every request (fail closed) and says so")
    func authorization() throws {
        let authorization = Snapshot.Authorization(
            workloads: [.init(namespace: "default")],
            policies: [
                .init(
                    key: ResourceKey(kind: .authorizationPolicy, namespace: "default", name: "deny-all"),
                    action: .deny,
                    rules: []
                )
            ]
        )
        let chain = Snapshot.FilterChain(
            name: "http",
            destination: .http(routeConfigurationName: "http.80"),
            authorization: authorization
        )
        let translation = ListenerTranslator.translate(
            Snapshot.Listener(name: "0.0.0.0_80", address: "0.0.0.0", port: 80, protocol: .http, filterChains: [chain])
        )
        let manager = try HCM(unpackingAny: translation.resource.filterChains[0].filters[0].typedConfig)
        #expect(manager.httpFilters.first?.name == "envoy.filters.http.rbac")
        let rbac = try Envoy_Extensions_Filters_Http_Rbac_V3_RBAC(unpackingAny: manager.httpFilters[0].typedConfig)
        #expect(rbac.rules.action == .allow)
        #expect(translation.notes.map(\.field) == ["filterChains[0].authorization"])
    }

    @Test("a chain's RequestAuthentication is noted as not translated (no jwt_authn filter)")
    func requestAuthenticationNoted() throws {
        var chain = Snapshot.FilterChain(name: "http", destination: .http(routeConfigurationName: "http.80"))
        chain.requestAuthentication = Snapshot.RequestAuthentication(providers: [
            .init(policy: ResourceKey(kind: .requestAuthentication, namespace: "default", name: "jwt"), rule: 0, issuer: "i", jwks: nil)
        ])
        let translation = ListenerTranslator.translate(
            Snapshot.Listener(name: "0.0.0.0_80", address: "0.0.0.0", port: 80, protocol: .http, filterChains: [chain])
        )
        #expect(translation.notes.map(\.field) == ["filterChains[0].requestAuthentication"])
    }

    @Test("chains with the same server names: the first is sent, the others are noted")
    func duplicateMatches() throws {
        let chains = ["a", "b"].map { name in
            Snapshot.FilterChain(
                name: name,
                serverNames: ["x.example.com"],
                destination: .tcp([.init(name: "c", weight: 100)])
            )
        }
        let translation = ListenerTranslator.translate(
            Snapshot.Listener(name: "l", address: "0.0.0.0", port: 443, protocol: .tlsPassthrough, filterChains: chains)
        )
        #expect(translation.resource.filterChains.map(\.name) == ["a"])
        #expect(translation.notes.map(\.field) == ["filterChains[1]"])
    }
}
