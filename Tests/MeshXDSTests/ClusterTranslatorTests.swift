import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@Suite("ClusterTranslator")
struct ClusterTranslatorTests {
    typealias HTTPOptions = Envoy_Extensions_Upstreams_Http_V3_HttpProtocolOptions
    typealias UpstreamTLS = Envoy_Extensions_TransportSockets_Tls_V3_UpstreamTlsContext

    func cluster(_ name: String) throws -> XDSTranslation<Envoy_Config_Cluster_V3_Cluster> {
        let snapshot = try MeshFixture.compile()
        return ClusterTranslator.translate(
            try #require(snapshot.cluster(named: name), "\(snapshot.clusters.map(\.name))")
        )
    }

    @Test("reviews v1: EDS over ADS, LEAST_REQUEST, circuit breakers, outlier detection and HTTP limits")
    func reviews() throws {
        let translation = try cluster(MeshFixture.reviewsV1)
        let cluster = translation.resource
        #expect(translation.notes.isEmpty, "\(translation.notes)")
        #expect(cluster.type == .eds)
        #expect(cluster.edsClusterConfig.edsConfig.configSourceSpecifier == .ads(.init()))
        #expect(cluster.edsClusterConfig.edsConfig.resourceApiVersion == .v3)
        #expect(cluster.connectTimeout == Google_Protobuf_Duration(seconds: 0, nanos: 30_000_000))
        #expect(cluster.lbPolicy == .leastRequest)

        let thresholds = try #require(cluster.circuitBreakers.thresholds.first)
        #expect(thresholds.priority == .default)
        #expect(thresholds.maxConnections.value == 100)
        #expect(thresholds.maxPendingRequests.value == 64)
        #expect(thresholds.maxRequests.value == 1000)

        let outlier = cluster.outlierDetection
        #expect(outlier.consecutive5Xx.value == 5)
        #expect(outlier.interval == Google_Protobuf_Duration(seconds: 10))
        #expect(outlier.baseEjectionTime == Google_Protobuf_Duration(seconds: 30))
        #expect(outlier.maxEjectionPercent.value == 50)

        let any = try #require(cluster.typedExtensionProtocolOptions[ClusterTranslator.httpProtocolOptionsKey])
        let options = try HTTPOptions(unpackingAny: any)
        #expect(options.commonHTTPProtocolOptions.maxRequestsPerConnection.value == 10)
        #expect(options.commonHTTPProtocolOptions.idleTimeout == Google_Protobuf_Duration(seconds: 60))
        #expect(options.explicitHTTPConfig.protocolConfig == .httpProtocolOptions(.init()))
        #expect(!cluster.hasTransportSocket)
    }

    @Test("a consistent-hash subset balances with RING_HASH")
    func ringHash() throws {
        let cluster = try cluster(MeshFixture.reviewsV3).resource
        #expect(cluster.lbPolicy == .ringHash)
    }

    @Test("ISTIO_MUTUAL: HTTP/2 to a gRPC port, the workload certificate and the mesh CA by SDS")
    func istioMutual() throws {
        let cluster = try cluster(MeshFixture.ratings).resource
        let options = try HTTPOptions(
            unpackingAny: try #require(cluster.typedExtensionProtocolOptions[ClusterTranslator.httpProtocolOptionsKey])
        )
        #expect(options.explicitHTTPConfig.protocolConfig == .http2ProtocolOptions(.init()))
        #expect(cluster.transportSocket.name == "envoy.transport_sockets.tls")
        let tls = try UpstreamTLS(unpackingAny: cluster.transportSocket.typedConfig)
        #expect(tls.commonTlsContext.tlsCertificateSdsSecretConfigs.map(\.name) == ["default"])
        let trust: String? =
            switch tls.commonTlsContext.validationContextType {
            case .validationContextSdsSecretConfig(let config)?: config.name
            case .combinedValidationContext(let combined)?: combined.validationContextSdsSecretConfig.name
            default: nil
            }
        #expect(trust == "ROOTCA")
        #expect(tls.sni.hasSuffix("ratings.default.svc.cluster.local") || tls.sni.isEmpty)
    }

    @Test("a SIMPLE origination from a DestinationRule: SNI, system trust, DNS SAN")
    func simpleFromRule() throws {
        let cluster = try cluster(MeshFixture.shop).resource
        let tls = try UpstreamTLS(unpackingAny: cluster.transportSocket.typedConfig)
        #expect(tls.sni == "shop.internal")
        #expect(tls.commonTlsContext.validationContext.trustedCa.filename == "/etc/ssl/certs/ca-certificates.crt")
        #expect(
            tls.commonTlsContext.validationContext.matchTypedSubjectAltNames.map(\.matcher.exact) == ["shop.internal"]
        )
    }

    @Test("SIMPLE TLS without a CA trusts the system bundle and checks the SAN; a 0 connect timeout is noted")
    func simpleTLS() {
        var cluster = Snapshot.Cluster(
            name: "outbound|443||api.example.com",
            serviceHost: "api.example.com",
            port: 443,
            upstreamTLS: .init(mode: .simple, sni: "api.example.com", subjectAltNames: ["api.example.com"])
        )
        cluster.connectTimeout = .zero
        let translation = ClusterTranslator.translate(cluster)
        let tls = try? UpstreamTLS(unpackingAny: translation.resource.transportSocket.typedConfig)
        #expect(tls?.sni == "api.example.com")
        #expect(tls?.commonTlsContext.validationContext.trustedCa.filename == "/etc/ssl/certs/ca-certificates.crt")
        #expect(tls?.commonTlsContext.validationContext.matchTypedSubjectAltNames.map(\.sanType) == [.dns])
        #expect(tls?.commonTlsContext.tlsCertificateSdsSecretConfigs.isEmpty == true)
        #expect(translation.resource.connectTimeout == Google_Protobuf_Duration(seconds: 0, nanos: 1_000_000))
        #expect(translation.notes.map(\.field) == ["connectTimeout"])
    }
}
