public import MeshModel
public import MeshXDSProto
import SwiftProtobuf

/// `Snapshot.Listener` → Envoy `Listener` (LDS).
///
/// Each filter chain becomes an Envoy filter chain matched by SNI (`server_names`); HTTP chains
/// get an HTTP connection manager whose routes come over RDS (ADS), TCP chains a TCP proxy to
/// weighted clusters. Certificates and trust are referred to by SDS name.
public enum ListenerTranslator {
    public static let httpConnectionManagerName = "envoy.filters.network.http_connection_manager"
    public static let tcpProxyName = "envoy.filters.network.tcp_proxy"
    public static let tlsInspectorName = "envoy.filters.listener.tls_inspector"
    public static let routerName = "envoy.filters.http.router"
    public static let faultName = "envoy.filters.http.fault"
    public static let corsName = "envoy.filters.http.cors"
    public static let rbacName = "envoy.filters.http.rbac"

    public static func translate(_ listener: Snapshot.Listener) -> XDSTranslation<Envoy_Config_Listener_V3_Listener> {
        var notes = XDSNotes(typeURL: XDSTypeURL.listener, resourceName: listener.name)
        var result = Envoy_Config_Listener_V3_Listener()
        result.name = listener.name
        result.address = Envoy.socketAddress(listener.address, port: listener.port)
        if !Envoy.isIPLiteral(listener.address) {
            notes.add("address", "\(listener.address) is not an IP address: Envoy binds listeners to IP literals only")
        }
        if listener.useOriginalDestination { result.useOriginalDst = Envoy.bool(true) }
        if !listener.bindToPort { result.bindToPort = Envoy.bool(false) }
        switch listener.direction {
        case .unspecified: result.trafficDirection = .unspecified
        case .inbound: result.trafficDirection = .inbound
        case .outbound: result.trafficDirection = .outbound
        }

        // Envoy refuses a listener with two chains of the same match; ours tries chains in order,
        // so the first one of a set of server names is the one that ever served.
        var seenMatches = Set<[String]>()
        for (index, chain) in listener.filterChains.enumerated() {
            let match = chain.serverNames.sorted()
            guard seenMatches.insert(match).inserted else {
                notes.add(
                    "filterChains[\(index)]",
                    "same server names as an earlier chain: Envoy rejects duplicate matches, so only the first is sent"
                )
                continue
            }
            result.filterChains.append(
                filterChain(chain, listener: listener, field: "filterChains[\(index)]", notes: &notes)
            )
        }
        if listener.filterChains.isEmpty {
            // Envoy refuses a listener without chains. Ours closes what it cannot place (the
            // proxy's virtualOutbound for a destination no VIP listener takes): a default chain
            // without filters does the same in Envoy.
            var closing = Envoy_Config_Listener_V3_FilterChain()
            closing.name = "close"
            result.defaultFilterChain = closing
        }
        if listener.filterChains.contains(where: { !$0.serverNames.isEmpty }) {
            var inspector = Envoy_Config_Listener_V3_ListenerFilter()
            inspector.name = tlsInspectorName
            inspector.typedConfig = XDSAny.pack(Envoy_Extensions_Filters_Listener_TlsInspector_V3_TlsInspector())
            result.listenerFilters = [inspector]
        }
        return XDSTranslation(resource: result, notes: notes.all)
    }

    static func filterChain(
        _ chain: Snapshot.FilterChain,
        listener: Snapshot.Listener,
        field: String,
        notes: inout XDSNotes
    ) -> Envoy_Config_Listener_V3_FilterChain {
        var result = Envoy_Config_Listener_V3_FilterChain()
        result.name = chain.name
        if !chain.serverNames.isEmpty { result.filterChainMatch.serverNames = chain.serverNames }
        if let tls = chain.tls {
            result.transportSocket = TLSContexts.transportSocket(
                downstreamTLS(tls, field: "\(field).tls", notes: &notes)
            )
        }
        var filter = Envoy_Config_Listener_V3_Filter()
        switch chain.destination {
        case .http(let routeConfigurationName):
            filter.name = httpConnectionManagerName
            filter.typedConfig = XDSAny.pack(
                httpConnectionManager(
                    routeConfigurationName,
                    statPrefix: listener.name,
                    authorization: chain.authorization,
                    field: field,
                    notes: &notes
                )
            )
            if chain.requestAuthentication != nil {
                notes.add(
                    "\(field).requestAuthentication",
                    "RequestAuthentication is not translated to Envoy's jwt_authn filter: Envoy does not check tokens on this chain"
                )
            }
        case .tcp(let clusters):
            filter.name = tcpProxyName
            filter.typedConfig = XDSAny.pack(
                tcpProxy(clusters, statPrefix: listener.name, field: "\(field).destination", notes: &notes)
            )
            if chain.authorization != nil {
                notes.add("\(field).authorization", "AuthorizationPolicy on a TCP chain is not translated")
            }
        }
        result.filters = [filter]
        return result
    }

    static func httpConnectionManager(
        _ routeConfigurationName: String,
        statPrefix: String,
        authorization: Snapshot.Authorization?,
        field: String,
        notes: inout XDSNotes
    ) -> Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpConnectionManager {
        var manager = Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpConnectionManager()
        manager.codecType = .auto
        manager.statPrefix = statPrefix
        var rds = Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_Rds()
        rds.configSource = Envoy.adsConfigSource
        rds.routeConfigName = routeConfigurationName
        manager.rds = rds
        var filters: [Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpFilter] = []
        if authorization != nil {
            // Envoy's RBAC rules are not generated yet. Serving the chain without them would let
            // through what the policies deny, so the chain refuses every request instead: an
            // ALLOW RBAC with no policy matches nothing (403).
            var rules = Envoy_Config_Rbac_V3_RBAC()
            rules.action = .allow
            var rbac = Envoy_Extensions_Filters_Http_Rbac_V3_RBAC()
            rbac.rules = rules
            filters.append(httpFilter(rbacName, rbac))
            notes.add(
                "\(field).authorization",
                "AuthorizationPolicy is not translated to Envoy's RBAC yet: the chain refuses every request (403)"
            )
        }
        // Fault and CORS act only on routes that carry their per-route config (typed_per_filter_config).
        filters.append(httpFilter(faultName, Envoy_Extensions_Filters_Http_Fault_V3_HTTPFault()))
        filters.append(httpFilter(corsName, Envoy_Extensions_Filters_Http_Cors_V3_Cors()))
        filters.append(httpFilter(routerName, Envoy_Extensions_Filters_Http_Router_V3_Router()))
        manager.httpFilters = filters
        return manager
    }

    static func httpFilter(
        _ name: String,
        _ config: some SwiftProtobuf.Message
    ) -> Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpFilter {
        var filter = Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpFilter()
        filter.name = name
        filter.typedConfig = XDSAny.pack(config)
        return filter
    }

    static func tcpProxy(
        _ clusters: [Snapshot.WeightedCluster],
        statPrefix: String,
        field: String,
        notes: inout XDSNotes
    ) -> Envoy_Extensions_Filters_Network_TcpProxy_V3_TcpProxy {
        var proxy = Envoy_Extensions_Filters_Network_TcpProxy_V3_TcpProxy()
        proxy.statPrefix = statPrefix
        for (index, cluster) in clusters.enumerated() where !cluster.headers.isEmpty {
            notes.add("\(field)[\(index)].headers", "header changes do not apply to TCP: dropped")
        }
        // Envoy's TCP weights must be ≥ 1; a 0 share takes no connection, so leaving it out is the same.
        let weighted = clusters.filter { $0.weight > 0 }
        if weighted.count < clusters.count {
            notes.add(field, "clusters of weight 0 left out (Envoy's TCP proxy takes weights ≥ 1 only)")
        }
        if weighted.count == 1 {
            proxy.cluster = weighted[0].name
        } else if weighted.isEmpty {
            proxy.cluster = clusters.first?.name ?? ""
            notes.add(field, "no cluster has a weight above 0: Envoy proxies to the first one")
        } else {
            var split = Envoy_Extensions_Filters_Network_TcpProxy_V3_TcpProxy.WeightedCluster()
            split.clusters = weighted.map { cluster in
                var weight = Envoy_Extensions_Filters_Network_TcpProxy_V3_TcpProxy.WeightedCluster.ClusterWeight()
                weight.name = cluster.name
                weight.weight = cluster.weight
                return weight
            }
            proxy.weightedClusters = split
        }
        return proxy
    }

    static func downstreamTLS(
        _ tls: Snapshot.ServerTLS,
        field: String,
        notes: inout XDSNotes
    ) -> Envoy_Extensions_TransportSockets_Tls_V3_DownstreamTlsContext {
        var common = Envoy_Extensions_TransportSockets_Tls_V3_CommonTlsContext()
        if let minimum = tls.minVersion {
            common.tlsParams.tlsMinimumProtocolVersion = TLSContexts.protocolVersion(minimum)
        }
        if let maximum = tls.maxVersion {
            common.tlsParams.tlsMaximumProtocolVersion = TLSContexts.protocolVersion(maximum)
        }
        if !tls.cipherSuites.isEmpty { common.tlsParams.cipherSuites = tls.cipherSuites }
        common.tlsCertificateSdsSecretConfigs = [TLSContexts.sdsSecret(tls.certificateSecretName)]
        common.alpnProtocols = tls.alpnProtocols

        var checks = Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext()
        checks.matchTypedSubjectAltNames = TLSContexts.subjectAltNameMatchers(tls.subjectAltNames)
        checks.verifyCertificateHash = tls.verifyCertificateHash
        checks.verifyCertificateSpki = tls.verifyCertificateSpki
        var context = Envoy_Extensions_TransportSockets_Tls_V3_DownstreamTlsContext()
        if tls.mode == .mutual {
            if let ca = tls.caSecretName {
                common.validationContextType = TLSContexts.validation(caSecretName: ca, extra: checks)
            } else if checks != Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext() {
                common.validationContext = checks
            } else {
                notes.add("\(field).caSecretName", "mutual TLS without a CA: Envoy cannot verify client certificates")
            }
            context.requireClientCertificate = Envoy.bool(tls.requireClientCertificate)
        }
        context.commonTlsContext = common
        return context
    }
}
