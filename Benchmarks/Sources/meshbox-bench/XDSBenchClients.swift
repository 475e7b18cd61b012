import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshXDS
import MeshXDSProto
import SwiftProtobuf

#if canImport(Glibc)
    import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds: the same clock in the benchmark and its client process.
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// The simulated xDS clients, run in a process of their own (`meshbox-bench xds-clients`) so that
/// the benchmark process's CPU and memory are the server's alone. Each client is one ADS stream
/// as Envoy opens it (node id `bench-N`, no metadata: a gateway), subscribed to clusters,
/// endpoints, listeners and routes, ACKing every response at once. Output, one line each:
///
///     synced CLIENT START_NS SYNCED_NS     every type received once
///     r CLIENT TYPE BYTES ACK_NS           a response: its type, its size, when its ACK was sent
enum XDSBenchClients {
    static let types = [XDSTypeURL.cluster, XDSTypeURL.clusterLoadAssignment, XDSTypeURL.listener, XDSTypeURL.routeConfiguration]

    static func short(_ typeURL: String) -> String { String(typeURL.split(separator: ".").last ?? "?") }

    /// `xds-clients --port P --clients N --mode sotw|delta --names FILE` (FILE: the cluster names
    /// on the first line, the route configuration names on the second, space separated, which a
    /// state-of-the-world client asks for by name as Envoy does).
    static func run(_ arguments: [String]) async throws {
        func value(_ flag: String) -> String? {
            arguments.firstIndex(of: flag).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        }
        guard let port = value("--port").flatMap(Int.init), let count = value("--clients").flatMap(Int.init),
            let mode = value("--mode"), let namesFile = value("--names")
        else { fatalError("usage: xds-clients --port P --clients N --mode sotw|delta --names FILE") }
        let lines = try String(contentsOfFile: namesFile, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let clusters = lines.first.map { $0.split(separator: " ").map(String.init) } ?? []
        let routes = lines.dropFirst().first.map { $0.split(separator: " ").map(String.init) } ?? []
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<count {
                group.addTask {
                    do {
                        if mode == "delta" {
                            try await delta(client: client, port: port)
                        } else {
                            try await stateOfTheWorld(client: client, port: port, clusters: clusters, routes: routes)
                        }
                    } catch {
                        emit("error \(client) \(error)")
                    }
                }
            }
        }
    }

    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// gRPC's default limit is 4 MiB per message; the 10,000-service mesh sends more in one
    /// response (Envoy's own gRPC client has no such limit). The client transport applies the
    /// *request* limit of the call to what it reads too, so both are raised.
    static let serviceConfig = ServiceConfig(methodConfig: [
        MethodConfig(
            names: [MethodConfig.Name(service: "envoy.service.discovery.v3.AggregatedDiscoveryService")],
            maxRequestMessageBytes: 256 << 20, maxResponseMessageBytes: 256 << 20)
    ])

    static func node(_ client: Int) -> Envoy_Config_Core_V3_Node {
        var node = Envoy_Config_Core_V3_Node()
        node.id = "bench-\(client)"
        node.cluster = "bench"
        return node
    }

    /// Tracks which types arrived and says `synced` once all have.
    struct Progress {
        let client: Int
        let start = monotonicNanoseconds()
        var seen: Set<String> = []
        var synced = false

        /// `acked`: when the ACK was handed to the stream (before measuring the size, which costs time).
        mutating func received(_ typeURL: String, bytes: Int, acked now: UInt64) {
            emit("r \(client) \(short(typeURL)) \(bytes) \(now)")
            seen.insert(typeURL)
            if !synced && seen.count == types.count {
                synced = true
                emit("synced \(client) \(start) \(now)")
            }
        }
    }

    /// An ADS client over plaintext HTTP/2 to 127.0.0.1:`port` for `body`.
    static func withADS(
        port: Int,
        _ body: @escaping @Sendable (Envoy_Service_Discovery_V3_AggregatedDiscoveryService.Client<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        try await withGRPCClient(
            transport: .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext, serviceConfig: serviceConfig)
        ) { grpc in
            try await body(Envoy_Service_Discovery_V3_AggregatedDiscoveryService.Client(wrapping: grpc))
        }
    }

    static func delta(client: Int, port: Int) async throws {
        try await withADS(port: port) { ads in
            let (requests, continuation) = AsyncStream.makeStream(of: Envoy_Service_Discovery_V3_DeltaDiscoveryRequest.self)
            for (index, type) in types.enumerated() {
                var request = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest()
                if index == 0 { request.node = node(client) }
                request.typeURL = type
                continuation.yield(request)
            }
            let request = StreamingClientRequest<Envoy_Service_Discovery_V3_DeltaDiscoveryRequest> { writer in
                for await message in requests { try await writer.write(message) }
            }
            try await ads.deltaAggregatedResources(request: request) { response in
                defer { continuation.finish() }
                var progress = Progress(client: client)
                for try await message in response.messages {
                    var ack = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest()
                    ack.typeURL = message.typeURL
                    ack.responseNonce = message.nonce
                    continuation.yield(ack)
                    let acked = monotonicNanoseconds()
                    let bytes: [UInt8] = try message.serializedBytes()
                    progress.received(message.typeURL, bytes: bytes.count, acked: acked)
                }
            }
        }
    }

    static func stateOfTheWorld(client: Int, port: Int, clusters: [String], routes: [String]) async throws {
        try await withADS(port: port) { ads in
            let (requests, continuation) = AsyncStream.makeStream(of: Envoy_Service_Discovery_V3_DiscoveryRequest.self)
            var names: [String: [String]] = [:]
            names[XDSTypeURL.clusterLoadAssignment] = clusters
            names[XDSTypeURL.routeConfiguration] = routes
            for (index, type) in types.enumerated() {
                var request = Envoy_Service_Discovery_V3_DiscoveryRequest()
                if index == 0 { request.node = node(client) }
                request.typeURL = type
                request.resourceNames = names[type] ?? []
                continuation.yield(request)
            }
            let request = StreamingClientRequest<Envoy_Service_Discovery_V3_DiscoveryRequest> { writer in
                for await message in requests { try await writer.write(message) }
            }
            try await ads.streamAggregatedResources(request: request) { [names] response in
                defer { continuation.finish() }
                var progress = Progress(client: client)
                for try await message in response.messages {
                    var ack = Envoy_Service_Discovery_V3_DiscoveryRequest()
                    ack.typeURL = message.typeURL
                    ack.versionInfo = message.versionInfo
                    ack.responseNonce = message.nonce
                    ack.resourceNames = names[message.typeURL] ?? []
                    continuation.yield(ack)
                    let acked = monotonicNanoseconds()
                    let bytes: [UInt8] = try message.serializedBytes()
                    progress.received(message.typeURL, bytes: bytes.count, acked: acked)
                }
            }
        }
    }
}
