// meshbox control-plane benchmarks: config store apply throughput and apply-to-watcher latency,
// a registry holding 10,000 services / 100,000 instances (RSS, full-snapshot delivery), and CA
// issuance (--ca-only, CABench.swift), the xDS server (--xds-only, XDSBench.swift).
// Results go to docs/benchmarks.md with the command that produced them.
import Foundation
import Logging
import MeshAPI
import MeshModel
import MeshRegistry
import MeshStore
import NIOPosix

func rssMiB() -> (current: Double, peak: Double) {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    func field(_ name: String) -> Double {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kib / 1024
    }
    return (field("VmRSS"), field("VmHWM"))
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)
    return sorted[max(0, index)]
}

func service(_ name: String, port: Int = 8080) -> Resource {
    let yaml = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: \(name), labels: {app: \(name)}}
        spec:
          ports: [{name: http, number: \(port), protocol: HTTP}]
        """
    return try! ResourceDecoder.decode(yaml)[0]
}

func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.path + "/meshbox-bench-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory + "/" + name
}

/// Unbuffered output: results show up as they are measured, even when piped to a file.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let logger = Logger(label: "bench")
let clock = ContinuousClock()

func benchStore(durability full: Bool) async throws {
    let label = full ? "synchronous=FULL" : "synchronous=NORMAL"
    let path = temporaryPath("config.db")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ConfigStore(path: path, options: .init(historyDepth: 50, synchronousFull: full), logger: logger)

    // Single applies, with a watcher timing each revision's arrival.
    let count = quick ? 200 : 2000
    let resources = (0..<count).map { service("svc-\($0)") }
    let arrivals = AsyncStream.makeStream(of: (Int64, ContinuousClock.Instant).self)
    let watcher = Task {
        for await state in await store.watch() { arrivals.continuation.yield((state.revision, clock.now)) }
    }
    var starts: [Int64: ContinuousClock.Instant] = [:]
    var arrivalIterator = arrivals.stream.makeAsyncIterator()
    _ = await arrivalIterator.next()  // the initial state
    var latencies: [Double] = []
    let singleStart = clock.now
    for resource in resources {
        let start = clock.now
        let result = try await store.apply([resource], dryRun: false)
        starts[result.revision] = start
        // Await the watcher seeing this revision before the next apply, so each latency is one change's.
        while let (revision, at) = await arrivalIterator.next() {
            if revision == result.revision {
                latencies.append((at - start).seconds * 1e6)
                break
            }
        }
    }
    let singleElapsed = (clock.now - singleStart).seconds
    watcher.cancel()
    say("config store (\(label)): \(count) single-resource applies: \(String(format: "%.0f", Double(count) / singleElapsed)) applies/s")
    say(
        "config store (\(label)): apply-to-watcher latency: p50 \(String(format: "%.0f", percentile(latencies, 50))) µs, p99 \(String(format: "%.0f", percentile(latencies, 99))) µs, max \(String(format: "%.0f", latencies.max() ?? 0)) µs"
    )

    // Batched applies: 100 resources per transaction.
    let batches = quick ? 10 : 50
    let batchSize = 100
    let batchStart = clock.now
    for batch in 0..<batches {
        let items = (0..<batchSize).map { service("batch-\(batch)-\($0)") }
        _ = try await store.apply(items, dryRun: false)
    }
    let batchElapsed = (clock.now - batchStart).seconds
    say(
        "config store (\(label)): \(batches) batches of \(batchSize): \(String(format: "%.0f", Double(batches) / batchElapsed)) batches/s = \(String(format: "%.0f", Double(batches * batchSize) / batchElapsed)) resources/s"
    )
}

func benchRegistry() async throws {
    let services = quick ? 1_000 : 10_000
    let perService = 10
    let path = temporaryPath("registry.db")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let before = rssMiB()
    let registry = try await Registry(path: path, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, options: .init(nodeName: "bench"), logger: logger)
    let start = clock.now
    for serviceIndex in 0..<services {
        for instanceIndex in 0..<perService {
            let address = "10.\(serviceIndex / 256 % 256).\(serviceIndex % 256).\(instanceIndex + 1)"
            _ = try await registry.register(
                InstanceRegistration(
                    service: "svc-\(serviceIndex)", address: address, ports: [InstancePort(name: "http", number: 8080)],
                    labels: ["version": "v\(instanceIndex % 3)"]))
        }
    }
    let registerElapsed = (clock.now - start).seconds
    let total = services * perService
    let after = rssMiB()
    say("registry: \(total) instances of \(services) services registered in \(String(format: "%.1f", registerElapsed)) s (\(String(format: "%.0f", Double(total) / registerElapsed))/s)")
    say("registry: RSS \(String(format: "%.0f", after.current)) MiB (before \(String(format: "%.0f", before.current)) MiB, peak \(String(format: "%.0f", after.peak)) MiB)")

    // The registry coalesces publishes (at most every 20 ms): wait until watchers see everything.
    for await state in await registry.watch() where state.instances.count == total { break }

    var deliveries: [Double] = []
    var encodings: [Double] = []
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    for _ in 0..<(quick ? 3 : 10) {
        let subscribe = clock.now
        var iterator = await registry.watch().makeAsyncIterator()
        guard let state = await iterator.next() else { fatalError("watch ended") }
        precondition(state.instances.count == total)
        deliveries.append((clock.now - subscribe).seconds * 1e3)
        let encodeStart = clock.now
        let data = try encoder.encode(Array(state.instances.values))
        encodings.append((clock.now - encodeStart).seconds * 1e3)
        precondition(data.count > 0)
    }
    say("registry: full snapshot (\(total) instances) to a new in-process watcher: p50 \(String(format: "%.3f", percentile(deliveries, 50))) ms")
    say("registry: full snapshot encoded as JSON (what a remote watcher receives): p50 \(String(format: "%.0f", percentile(encodings, 50))) ms")
}

if arguments.first == "xds-clients" {
    // The xDS benchmark's simulated clients, in a process of their own (XDSBenchClients.swift).
    try await XDSBenchClients.run(Array(arguments.dropFirst()))
    exit(0)
}
say("meshbox-bench \(quick ? "(quick)" : "") on \(ProcessInfo.processInfo.processorCount) cores")
if arguments.contains("--ca-only") {
    try await benchCA()
} else if arguments.contains("--xds-only") {
    try await benchXDS()
} else {
    if !arguments.contains("--registry-only") {
        try await benchStore(durability: true)
        try await benchStore(durability: false)
    }
    if !arguments.contains("--store-only") {
        try await benchRegistry()
    }
}
