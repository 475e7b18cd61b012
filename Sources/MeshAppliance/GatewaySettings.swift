import Foundation
import MeshCore
import Yams
import MeshNet
import NIOCore

/// The `gateway:` section of the config file: where the gateway binds, how many event loops
/// carry its traffic, its access log and its limits against hostile clients.
public struct GatewaySettings: Sendable, Hashable {
    /// Address every Gateway server port binds to.
    public var listenAddress = "0.0.0.0"
    /// Added to every Gateway server port (serve port 80 as 8080 without privileges: 8000).
    public var portOffset: Int?
    /// Gateway resources to serve, `namespace/name` or `name`; empty serves all.
    public var gateways: [String] = []
    /// Event loops (threads) carrying traffic.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// `off`, `stdout`, or a file path for JSON access log lines.
    public var accessLog = "off"
    public var maxRequestHeaderBytes = 60 * 1024
    public var maxRequestHeaderCount = 100
    public var maxRequestBodyBytes: Int?
    public var requestHeaderTimeout: Duration = .seconds(10)
    public var idleTimeout: Duration = .seconds(60)
    /// TCP relays (TCP servers, TLS passthrough, WebSocket tunnels) close after this long without a
    /// byte either way (Envoy's tcp_proxy `idle_timeout`); zero disables it.
    public var tcpIdleTimeout: Duration = .seconds(3600)
    /// From a TLS listener's accept to the end of its handshake (Envoy's
    /// `transport_socket_connect_timeout`); zero disables it.
    public var tlsHandshakeTimeout: Duration = .seconds(10)
    /// A request or HTTP/2 stream with no byte either way for this long ends: 408, or a close once
    /// its response started (Envoy's `stream_idle_timeout`); zero disables it.
    public var streamIdleTimeout: Duration = .seconds(300)
    /// The longest pause between reads of a request body (nginx's `client_body_timeout`); zero disables it.
    public var requestBodyTimeout: Duration = .seconds(60)
    /// Downstream connections of all listeners together; nil derives it from the descriptor
    /// limit (`DescriptorBudget.gatewayConnections`).
    public var maxConnections: Int?
    /// Streams one HTTP/2 client may have open at once.
    public var maxConcurrentStreams = 128
    public var drainTimeout: Duration = .seconds(5)
    /// Proxies in front of the gateway whose `x-forwarded-for` entries AuthorizationPolicy trusts (Istio's name).
    public var numTrustedProxies = 0
    /// The gateway's mesh identity when the ca role runs in this process:
    /// `spiffe://<trustDomain>/ns/<identityNamespace>/sa/<identityServiceAccount>` (Istio's ingress gateway's by default).
    public var identityNamespace = "istio-system"
    public var identityServiceAccount = "istio-ingressgateway-service-account"
    /// Lifetime of the gateway's CA-issued certificates; nil: `ca.leafTTL`.
    public var identityTTL: Duration?

    public init() {}

    mutating func read(_ node: Node, reader: KeyReader, path base: String) throws {
        try reader.object(node, path: base) { key, value, path in
            switch key {
            case "listenAddress": listenAddress = try reader.string(value, path: path)
            case "portOffset": portOffset = try reader.int(value, path: path)
            case "gateways": gateways = try reader.stringList(value, path: path)
            case "threads":
                threads = try reader.int(value, path: path)
                guard (1...256).contains(threads) else { throw reader.error(path, "must be 1-256, got \(threads)") }
            case "accessLog": accessLog = try reader.string(value, path: path)
            case "maxRequestHeaderBytes": maxRequestHeaderBytes = try positive(reader, value, path)
            case "maxRequestHeaderCount": maxRequestHeaderCount = try positive(reader, value, path)
            case "maxRequestBodyBytes": maxRequestBodyBytes = try positive(reader, value, path)
            case "requestHeaderTimeout": requestHeaderTimeout = try reader.duration(value, path: path)
            case "idleTimeout": idleTimeout = try reader.duration(value, path: path)
            case "tcpIdleTimeout": tcpIdleTimeout = try durationOrOff(reader, value, path)
            case "tlsHandshakeTimeout": tlsHandshakeTimeout = try durationOrOff(reader, value, path)
            case "streamIdleTimeout": streamIdleTimeout = try durationOrOff(reader, value, path)
            case "requestBodyTimeout": requestBodyTimeout = try durationOrOff(reader, value, path)
            case "maxConnections": maxConnections = try positive(reader, value, path)
            case "maxConcurrentStreams": maxConcurrentStreams = try positive(reader, value, path)
            case "drainTimeout": drainTimeout = try reader.duration(value, path: path)
            case "numTrustedProxies":
                numTrustedProxies = try reader.int(value, path: path)
                guard numTrustedProxies >= 0 else { throw reader.error(path, "must be 0 or more, got \(numTrustedProxies)") }
            case "identity":
                try reader.object(value, path: path) { key, value, path in
                    switch key {
                    case "namespace": identityNamespace = try identitySegment(reader, value, path)
                    case "serviceAccount": identityServiceAccount = try identitySegment(reader, value, path)
                    case "ttl": identityTTL = try reader.duration(value, path: path)
                    default: throw reader.unknown(path)
                    }
                }
            default: throw reader.unknown(path)
            }
        }
    }

    /// A SPIFFE path segment: letters, digits, `.`, `-`, `_`.
    private func identitySegment(_ reader: KeyReader, _ node: Node, _ path: String) throws -> String {
        let text = try reader.string(node, path: path)
        let allowed = !text.isEmpty && text != "." && text != ".." && text.count <= 253
            && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || ".-_".contains($0) }
        guard allowed else { throw reader.error(path, "must be letters, digits, '.', '-' or '_', got '\(text)'") }
        return text
    }

    /// A duration, where `0s` switches the timeout off (as Envoy's zero timeouts do).
    private func durationOrOff(_ reader: KeyReader, _ node: Node, _ path: String) throws -> Duration {
        let text = try reader.string(node, path: path)
        return DurationText.parse(text) == .zero ? .zero : try reader.duration(node, path: path)
    }

    private func positive(_ reader: KeyReader, _ node: Node, _ path: String) throws -> Int {
        let value = try reader.int(node, path: path)
        guard value > 0 else { throw reader.error(path, "must be positive, got \(value)") }
        return value
    }

    var summary: [String] {
        [
            "gateway.listenAddress: \(listenAddress)",
            "gateway.portOffset: \(portOffset.map(String.init) ?? "")",
            "gateway.gateways: \(gateways.joined(separator: ","))",
            "gateway.threads: \(threads)",
            "gateway.accessLog: \(accessLog)",
            "gateway.maxRequestHeaderBytes: \(maxRequestHeaderBytes)",
            "gateway.maxRequestHeaderCount: \(maxRequestHeaderCount)",
            "gateway.maxRequestBodyBytes: \(maxRequestBodyBytes.map(String.init) ?? "")",
            "gateway.requestHeaderTimeout: \(DurationText.format(requestHeaderTimeout))",
            "gateway.idleTimeout: \(DurationText.format(idleTimeout))",
            "gateway.tcpIdleTimeout: \(DurationText.format(tcpIdleTimeout))",
            "gateway.tlsHandshakeTimeout: \(DurationText.format(tlsHandshakeTimeout))",
            "gateway.streamIdleTimeout: \(DurationText.format(streamIdleTimeout))",
            "gateway.requestBodyTimeout: \(DurationText.format(requestBodyTimeout))",
            "gateway.maxConnections: \(maxConnections.map(String.init) ?? "")",
            "gateway.maxConcurrentStreams: \(maxConcurrentStreams)",
            "gateway.drainTimeout: \(DurationText.format(drainTimeout))",
            "gateway.numTrustedProxies: \(numTrustedProxies)",
            "gateway.identity.namespace: \(identityNamespace)",
            "gateway.identity.serviceAccount: \(identityServiceAccount)",
            "gateway.identity.ttl: \(identityTTL.map(DurationText.format) ?? "")",
        ]
    }
}

extension GatewaySettings {
    /// The engine's limits from these settings; `budget` gives the connection limit unless
    /// `maxConnections` is set.
    func proxySettings(budget: DescriptorBudget) -> ProxySettings {
        var settings = ProxySettings()
        settings.maxRequestHeaderBytes = maxRequestHeaderBytes
        settings.maxRequestHeaderCount = maxRequestHeaderCount
        settings.maxRequestBodyBytes = maxRequestBodyBytes
        settings.requestHeaderTimeout = TimeAmount(requestHeaderTimeout)
        settings.idleTimeout = TimeAmount(idleTimeout)
        settings.tcpIdleTimeout = TimeAmount(tcpIdleTimeout)
        settings.tlsHandshakeTimeout = TimeAmount(tlsHandshakeTimeout)
        settings.streamIdleTimeout = TimeAmount(streamIdleTimeout)
        settings.requestBodyTimeout = TimeAmount(requestBodyTimeout)
        settings.maxConnections = maxConnections ?? budget.gatewayConnections
        settings.maxConcurrentStreams = maxConcurrentStreams
        settings.drainTimeout = TimeAmount(drainTimeout)
        settings.numTrustedProxies = numTrustedProxies
        return settings
    }

    /// nil when the access log is off.
    func accessLogTarget() throws -> AccessLogTarget? {
        if accessLog == "off" || accessLog.isEmpty { return nil }
        do {
            return try AccessLogTarget(path: accessLog)
        } catch {
            throw ApplianceError("gateway.accessLog: \(error)")
        }
    }
}
