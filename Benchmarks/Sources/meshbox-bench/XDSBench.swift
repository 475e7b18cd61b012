import Foundation
import Logging
import MeshAPI
import MeshCompiler
import MeshModel
import MeshXDSServer

#if canImport(Glibc)
    import Glibc
#endif

// The ADS server (issue 16) under simulated delta and state-of-the-world clients: the real
// compiler (`SnapshotPublisher`, its 20 ms debounce included) and the real translation
// (`XDSServer.meshTranslation`) behind an `XDSServer` on loopback (plaintext), the clients in a
// process of their own (XDSBenchClients) so that CPU and RSS measured here are the server's.
// For each run: the initial push to every client, then registry changes (one instance more:
// one cluster's endpoints change) and config changes (one VirtualService's weights: the route
// configuration changes), each timed from the change entering the publisher to the ACK of the
// response carrying it, in every client.

/// User + system CPU seconds of this process.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func format(_ value: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", value) }

func benchXDS() async throws {
    let small = quick ? (services: 100, perService: 10) : (services: 1_000, perService: 10)
    var mesh = try XDSBenchMesh(services: small.services, perService: small.perService)
    for clients in quick ? [1, 10] : [1, 10, 100] {
        for mode in ["delta", "sotw"] {
            try await benchXDSRun(mesh: &mesh, mode: mode, clients: clients, changes: quick ? 3 : 5)
        }
    }
    let large = quick ? (services: 1_000, perService: 10) : (services: 10_000, perService: 10)
    let setupStart = clock.now
    var big = try XDSBenchMesh(services: large.services, perService: large.perService)
    say("xds: built the \(large.services)-service mesh in \(format((clock.now - setupStart).seconds)) s (not measured below)")
    for mode in ["delta", "sotw"] {
        try await benchXDSRun(mesh: &big, mode: mode, clients: 1, changes: 3)
    }
}

func benchXDSRun(mesh: inout XDSBenchMesh, mode: String, clients: Int, changes: Int) async throws {
    let label = "xds \(mode) N=\(clients) (\(mesh.services) services, \(mesh.endpoints) endpoints)"
    let options = SnapshotCompiler.Options(listenerAddress: "127.0.0.1")
    let compileStart = clock.now
    let compiled = SnapshotCompiler.compile(config: mesh.config, registry: mesh.registry, version: 1, options: options)
    let compileTime = (clock.now - compileStart).seconds * 1e3

    let publisher = SnapshotPublisher(options: options)
    let (configs, configInput) = AsyncStream.makeStream(of: ConfigState.self, bufferingPolicy: .bufferingNewest(1))
    let (registries, registryInput) = AsyncStream.makeStream(of: RegistryState.self, bufferingPolicy: .bufferingNewest(1))
    configInput.yield(mesh.config)
    registryInput.yield(mesh.registry)
    let publishing = Task { await publisher.run(config: configs, registry: registries) }
    while publisher.current.version == 0 { try await Task.sleep(for: .milliseconds(5)) }

    var logger = Logger(label: "xds-bench")
    logger.logLevel = .warning
    let server = try XDSServer(
        configuration: .init(host: "127.0.0.1", port: 0, security: .plaintextLoopbackForTesting),
        source: publisher, translate: XDSServer.meshTranslation, logger: logger)
    let serving = Task { try await server.run() }
    guard let port = try await server.listeningPort() else { throw XDSBenchError("the ADS server bound no port") }
    let namesFile = temporaryPath("names")
    defer { try? FileManager.default.removeItem(atPath: (namesFile as NSString).deletingLastPathComponent) }
    try (compiled.clusters.map(\.name).joined(separator: " ") + "\n" + compiled.routeConfigurations.map(\.name).joined(separator: " "))
        .write(toFile: namesFile, atomically: true, encoding: .utf8)

    let rssBefore = rssMiB().current
    let cpuBefore = cpuSeconds()
    let child = try XDSBenchChild(arguments: [
        "xds-clients", "--port", "\(port)", "--clients", "\(clients)", "--mode", mode, "--names", namesFile,
    ])
    defer { child.stop() }
    try await child.wait("\(clients) clients to receive every type") { $0.synced.count == clients }
    try await child.settle()
    let synced = child.current
    let cpuSync = cpuSeconds() - cpuBefore
    let rssGrowth = rssMiB().current - rssBefore
    let syncTimes = synced.synced.values.map { Double($0.synced - $0.start) / 1e6 }
    let initialBytes = synced.responses.reduce(0) { $0 + $1.bytes }
    say(
        "\(label): compile \(format(compileTime)) ms; initial push to all: p50 \(format(percentile(syncTimes, 50))) ms, max \(format(syncTimes.max() ?? 0)) ms; \(format(Double(initialBytes) / Double(clients) / 1024)) KiB per node; server CPU \(format(cpuSync * 1e3 / Double(clients), 2)) ms per node; RSS +\(format(rssGrowth)) MiB (\(format(rssGrowth * 1024 / Double(clients), 0)) KiB per node)"
    )

    for kind in ["registry", "config"] {
        let expected = kind == "registry" ? "ClusterLoadAssignment" : "RouteConfiguration"
        var allLatencies: [Double] = []
        var medianLatencies: [Double] = []
        var bytesPerNode: [Double] = []
        var responsesPerNode: [Double] = []
        var cpuPerNode: [Double] = []
        for _ in 0..<changes {
            let cpuStart = cpuSeconds()
            let known = child.current.responses.count
            let start = monotonicNanoseconds()
            if kind == "registry" {
                mesh.addInstance()
                registryInput.yield(mesh.registry)
            } else {
                try mesh.changeRoute()
                configInput.yield(mesh.config)
            }
            try await child.wait("every client to ACK the \(kind) change") { state in
                Set(state.responses.dropFirst(known).filter { $0.type == expected && $0.acked > start }.map(\.client)).count == clients
            }
            try await child.settle()
            cpuPerNode.append((cpuSeconds() - cpuStart) * 1e3 / Double(clients))
            let after = child.current.responses.dropFirst(known)
            var firstAck: [Int: UInt64] = [:]
            for response in after where response.type == expected && firstAck[response.client] == nil {
                firstAck[response.client] = response.acked
            }
            let latencies = firstAck.values.map { Double($0 - start) / 1e6 }
            allLatencies.append(latencies.max() ?? 0)
            medianLatencies.append(percentile(latencies, 50))
            bytesPerNode.append(Double(after.reduce(0) { $0 + $1.bytes }) / Double(clients))
            responsesPerNode.append(Double(after.count) / Double(clients))
        }
        say(
            "\(label): \(kind) change → ACKed by all \(clients): p50 \(format(percentile(allLatencies, 50))) ms, max \(format(allLatencies.max() ?? 0)) ms (per client p50 \(format(percentile(medianLatencies, 50))) ms); \(format(percentile(bytesPerNode, 50), 0)) bytes in \(format(percentile(responsesPerNode, 50))) responses per node; server CPU \(format(percentile(cpuPerNode, 50), 3)) ms per node"
        )
    }
    child.stop()
    serving.cancel()
    _ = await serving.result
    configInput.finish()
    registryInput.finish()
    publishing.cancel()
    await publishing.value
}
