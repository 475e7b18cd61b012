import Foundation
import Logging
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshCore
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf

extension XDSClient {
    typealias DeltaRequest = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest
    typealias DeltaResponse = Envoy_Service_Discovery_V3_DeltaDiscoveryResponse

    /// One ADS stream, from connecting until it ends. Returns whether the server answered (so the
    /// back-off starts over); throws what ended it.
    func stream() async throws -> Bool {
        let transport = try makeTransport(identity: identity)
        let requests = initialRequests()
        resetCatchUp()
        return try await withGRPCClient(transport: transport) { client in
            let ads = Envoy_Service_Discovery_V3_AggregatedDiscoveryService.Client(wrapping: client)
            let (outgoing, continuation) = AsyncStream.makeStream(of: DeltaRequest.self)
            for request in requests { continuation.yield(request) }
            let request = StreamingClientRequest<DeltaRequest> { writer in
                for await message in outgoing { try await writer.write(message) }
            }
            var options = CallOptions.defaults
            options.waitForReady = false
            return try await ads.deltaAggregatedResources(request: request, options: options) { response in
                defer { continuation.finish() }
                var progress = CatchUpProgress()
                for try await message in response.messages {
                    self.setConnected(true)
                    continuation.yield(self.answer(message, progress: &progress))
                }
                return progress.answered
            }
        }
    }

    /// What the node counts on a connection until every type has been answered once.
    struct CatchUpProgress {
        var types: Set<String> = []
        var received = 0
        var removed = 0
        var done = false
        var answered: Bool { !types.isEmpty }
    }

    /// The first request of each meshbox type: wildcard, with the versions the node holds.
    func initialRequests() -> [DeltaRequest] {
        let held = self.held
        return MeshboxTypeURL.pushOrder.enumerated().map { index, typeURL in
            var request = DeltaRequest()
            if index == 0 { request.node = xdsNode() }
            request.typeURL = typeURL
            request.initialResourceVersions = held.versions(of: typeURL)
            return request
        }
    }

    func xdsNode() -> Envoy_Config_Core_V3_Node {
        var node = Envoy_Config_Core_V3_Node()
        node.id = identity.nodeName
        node.cluster = "meshbox"
        let roles = configuration.roles.sorted().map(\.rawValue).joined(separator: ",")
        node.metadata.fields["roles"] = Google_Protobuf_Value(stringValue: roles)
        node.metadata.fields["client"] = Google_Protobuf_Value(stringValue: "meshbox")
        return node
    }

    /// The ACK (or, for what does not decode, the NACK) of one response.
    func answer(_ response: DeltaResponse, progress: inout CatchUpProgress) -> DeltaRequest {
        var request = DeltaRequest()
        request.typeURL = response.typeURL
        request.responseNonce = response.nonce
        if response.systemVersionInfo == "0" {
            // The control plane's compiler has not published yet (its initial empty snapshot): not
            // a config to serve. Refused without counting as a rejection, so the server keeps what
            // the node holds and sends the differences once it has compiled.
            var status = Google_Rpc_Status()
            status.code = 14  // UNAVAILABLE
            status.message = "the control plane has compiled no snapshot yet (version 0); keeping the last good one"
            request.errorDetail = status
            logger.info("The control plane has not compiled its first snapshot yet", metadata: ["xds.type": "\(response.typeURL)"])
            return request
        }
        do {
            try apply(
                typeURL: response.typeURL, systemVersion: response.systemVersionInfo,
                resources: response.resources.map { ($0.name, $0.version, $0.resource) },
                removed: response.removedResources)
            progress.received += response.resources.count
            progress.removed += response.removedResources.count
            progress.types.insert(response.typeURL)
            if !progress.done, MeshboxTypeURL.pushOrder.allSatisfy(progress.types.contains) {
                progress.done = true
                recordCatchUp(CatchUp(received: progress.received, removed: progress.removed))
                logger.info(
                    "Caught up with the control plane",
                    metadata: [
                        "xds.version": "\(response.systemVersionInfo)", "xds.resources.received": "\(progress.received)",
                        "xds.resources.removed": "\(progress.removed)", "xds.resources.held": "\(held.count)",
                    ])
            }
        } catch {
            var status = Google_Rpc_Status()
            status.code = 3  // INVALID_ARGUMENT
            status.message = error.message
            request.errorDetail = status
            recordRejection(error.message)
            logger.warning(
                "Rejected a control-plane update; keeping the last good snapshot",
                metadata: ["xds.type": "\(response.typeURL)", "xds.nonce": "\(response.nonce)", "error": "\(error.message)"])
        }
        return request
    }

    func makeTransport(identity: NodeIdentity) throws -> HTTP2ClientTransport.Posix {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        // A control plane that vanished without closing (its host lost power) is noticed by HTTP/2
        // pings. grpc-swift's server counts pings closer than 5 minutes as strikes (and closes the
        // connection after a few), even with a stream open: so just over that.
        config.connection.keepalive = .init(time: .seconds(310), timeout: .seconds(20), allowWithoutCalls: false)
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        switch configuration.security {
        case .mutualTLS(let serverName):
            config.http2.authority = serverName
            security = .tls(
                .init(
                    certificateChain: [.bytes(Array(identity.certificateChainPEM.utf8), format: .pem)],
                    privateKey: .bytes(Array(identity.privateKeyPEM.utf8), format: .pem),
                    serverCertificateVerification: .fullVerification,
                    trustRoots: .certificates([.bytes(Array(identity.trustBundlePEM.utf8), format: .pem)])))
        case .plaintextLoopbackForTesting:
            security = .plaintext
        }
        return try .http2NIOPosix(
            target: target, transportSecurity: security, config: config, serviceConfig: Self.serviceConfig)
    }

    /// gRPC's default limit is 4 MiB per message, and one response of a large mesh is more (the
    /// 10,000-service mesh of the xDS benchmark); Envoy's client has no such limit. The client
    /// transport applies the call's *request* limit to what it reads too, so both are raised. The
    /// node trusts its control plane (mutual TLS), so the bound is there against runaways only.
    static let serviceConfig = ServiceConfig(methodConfig: [
        MethodConfig(
            names: [
                MethodConfig.Name(service: "envoy.service.discovery.v3.AggregatedDiscoveryService"),
                MethodConfig.Name(service: "meshbox.v1.NodeCertificates"),
            ],
            maxRequestMessageBytes: 256 << 20, maxResponseMessageBytes: 256 << 20)
    ])

    var target: any ResolvableTarget {
        let host = configuration.host
        if host.contains(":") { return .ipv6(address: host, port: configuration.port) }
        if host.split(separator: ".").count == 4, host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) {
            return .ipv4(address: host, port: configuration.port)
        }
        return .dns(host: host, port: configuration.port)
    }
}
