public import MeshModel
public import MeshXDSProto
import SwiftProtobuf

/// `Snapshot.Cluster` → Envoy `Cluster` (CDS), discovery type EDS over ADS.
///
/// Balancing, circuit breakers, outlier detection, TCP keepalive and TLS origination map to the
/// fields of the same name; HTTP settings (HTTP/2, the client's protocol, requests per connection,
/// idle timeout, connection lifetime) go in `typed_extension_protocol_options` as Envoy wants them.
public enum ClusterTranslator {
    public static let httpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

    public static func translate(_ cluster: Snapshot.Cluster) -> XDSTranslation<Envoy_Config_Cluster_V3_Cluster> {
        var notes = XDSNotes(typeURL: XDSTypeURL.cluster, resourceName: cluster.name)
        var result = Envoy_Config_Cluster_V3_Cluster()
        result.name = cluster.name
        result.type = .eds
        result.edsClusterConfig.edsConfig = Envoy.adsConfigSource
        if cluster.connectTimeout <= .zero {
            notes.add("connectTimeout", "Envoy requires a connect timeout above 0: 1 ms sent")
            result.connectTimeout = Envoy.duration(.milliseconds(1))
        } else {
            result.connectTimeout = Envoy.duration(cluster.connectTimeout)
        }

        switch cluster.lbPolicy {
        case .roundRobin: result.lbPolicy = .roundRobin
        case .leastRequest: result.lbPolicy = .leastRequest
        case .random: result.lbPolicy = .random
        case .ringHash(let minimumRingSize):
            result.lbPolicy = .ringHash
            if let minimumRingSize {
                var config = Envoy_Config_Cluster_V3_Cluster.RingHashLbConfig()
                config.minimumRingSize = Envoy.uint64(minimumRingSize)
                result.ringHashLbConfig = config
            }
        case .maglev(let tableSize):
            result.lbPolicy = .maglev
            if let tableSize {
                var config = Envoy_Config_Cluster_V3_Cluster.MaglevLbConfig()
                config.tableSize = Envoy.uint64(tableSize)
                result.maglevLbConfig = config
            }
        }

        if let breakers = cluster.circuitBreakers {
            var thresholds = Envoy_Config_Cluster_V3_CircuitBreakers.Thresholds()
            thresholds.priority = .default
            if let value = breakers.maxConnections { thresholds.maxConnections = Envoy.uint32(value) }
            if let value = breakers.maxPendingRequests { thresholds.maxPendingRequests = Envoy.uint32(value) }
            if let value = breakers.maxRequests { thresholds.maxRequests = Envoy.uint32(value) }
            if let value = breakers.maxRetries { thresholds.maxRetries = Envoy.uint32(value) }
            result.circuitBreakers.thresholds = [thresholds]
        }

        if let outlier = cluster.outlierDetection {
            result.outlierDetection = outlierDetection(outlier)
            if let minimum = outlier.minHealthPercent {
                var panic = Envoy_Type_V3_Percent()
                panic.value = Double(minimum)
                result.commonLbConfig.healthyPanicThreshold = panic
            }
        }

        if let options = httpProtocolOptions(cluster) {
            result.typedExtensionProtocolOptions[httpProtocolOptionsKey] = XDSAny.pack(options)
        }

        if let keepalive = cluster.tcpKeepalive {
            var tcp = Envoy_Config_Core_V3_TcpKeepalive()
            if let probes = keepalive.probes { tcp.keepaliveProbes = Envoy.uint32(probes) }
            if let time = keepalive.time { tcp.keepaliveTime = Envoy.uint32(UInt32(clamping: time.components.seconds)) }
            if let interval = keepalive.interval {
                tcp.keepaliveInterval = Envoy.uint32(UInt32(clamping: interval.components.seconds))
            }
            result.upstreamConnectionOptions.tcpKeepalive = tcp
        }

        if let tls = cluster.upstreamTLS {
            result.transportSocket = TLSContexts.transportSocket(upstreamTLS(tls, notes: &notes))
        }
        return XDSTranslation(resource: result, notes: notes.all)
    }

    static func outlierDetection(_ outlier: Snapshot.OutlierDetection) -> Envoy_Config_Cluster_V3_OutlierDetection {
        var result = Envoy_Config_Cluster_V3_OutlierDetection()
        if let value = outlier.consecutive5xx { result.consecutive5Xx = Envoy.uint32(value) }
        if let value = outlier.consecutiveGatewayErrors {
            result.consecutiveGatewayFailure = Envoy.uint32(value)
            // Envoy enforces gateway-failure ejection at 0 % unless told otherwise.
            result.enforcingConsecutiveGatewayFailure = Envoy.uint32(100)
        }
        if let value = outlier.interval { result.interval = Envoy.duration(value) }
        if let value = outlier.baseEjectionTime { result.baseEjectionTime = Envoy.duration(value) }
        if let value = outlier.maxEjectionPercent { result.maxEjectionPercent = Envoy.uint32(value) }
        return result
    }

    /// The upstream HTTP settings, or nil when Envoy's defaults (HTTP/1.1, no limits) already hold.
    static func httpProtocolOptions(_ cluster: Snapshot.Cluster)
        -> Envoy_Extensions_Upstreams_Http_V3_HttpProtocolOptions?
    {
        typealias Options = Envoy_Extensions_Upstreams_Http_V3_HttpProtocolOptions
        var options = Options()
        var common = Envoy_Config_Core_V3_HttpProtocolOptions()
        if let value = cluster.maxRequestsPerConnection { common.maxRequestsPerConnection = Envoy.uint32(value) }
        if let value = cluster.idleTimeout { common.idleTimeout = Envoy.duration(value) }
        if let value = cluster.maxConnectionDuration { common.maxConnectionDuration = Envoy.duration(value) }
        if common != Envoy_Config_Core_V3_HttpProtocolOptions() { options.commonHTTPProtocolOptions = common }

        var http2 = Envoy_Config_Core_V3_Http2ProtocolOptions()
        if let streams = cluster.maxConcurrentStreams { http2.maxConcurrentStreams = Envoy.uint32(streams) }
        if cluster.useClientProtocol {
            var downstream = Options.UseDownstreamHttpConfig()
            downstream.httpProtocolOptions = Envoy_Config_Core_V3_Http1ProtocolOptions()
            downstream.http2ProtocolOptions = http2
            options.useDownstreamProtocolConfig = downstream
        } else if cluster.http2 {
            var explicit = Options.ExplicitHttpConfig()
            explicit.http2ProtocolOptions = http2
            options.explicitHTTPConfig = explicit
        } else if options.hasCommonHTTPProtocolOptions {
            // Envoy wants a protocol choice whenever HttpProtocolOptions is present.
            var explicit = Options.ExplicitHttpConfig()
            explicit.httpProtocolOptions = Envoy_Config_Core_V3_Http1ProtocolOptions()
            options.explicitHTTPConfig = explicit
        }
        return options == Options() ? nil : options
    }

    static func upstreamTLS(
        _ tls: Snapshot.UpstreamTLS,
        notes: inout XDSNotes
    ) -> Envoy_Extensions_TransportSockets_Tls_V3_UpstreamTlsContext {
        var context = Envoy_Extensions_TransportSockets_Tls_V3_UpstreamTlsContext()
        if let sni = tls.sni { context.sni = sni }
        var common = Envoy_Extensions_TransportSockets_Tls_V3_CommonTlsContext()
        switch tls.mode {
        case .simple:
            break
        case .mutual:
            if let certificate = tls.certificateSecretName {
                common.tlsCertificateSdsSecretConfigs = [TLSContexts.sdsSecret(certificate)]
            } else {
                notes.add(
                    "upstreamTLS.certificateSecretName",
                    "mutual TLS without a client certificate: none presented"
                )
            }
        case .istioMutual:
            common.tlsCertificateSdsSecretConfigs = [TLSContexts.sdsSecret(tls.certificateSecretName ?? "default")]
        }
        var checks = Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext()
        checks.matchTypedSubjectAltNames = TLSContexts.subjectAltNameMatchers(tls.subjectAltNames)
        if tls.insecureSkipVerify {
            // No validation context: Envoy then accepts any server certificate.
        } else if let ca = tls.caSecretName ?? (tls.mode == .istioMutual ? "ROOTCA" : nil) {
            common.validationContextType = TLSContexts.validation(caSecretName: ca, extra: checks)
        } else {
            var trusted = Envoy_Config_Core_V3_DataSource()
            trusted.filename = TLSContexts.systemTrustBundle
            checks.trustedCa = trusted
            common.validationContext = checks
        }
        context.commonTlsContext = common
        return context
    }
}
