import ArgumentParser
import Foundation
import MeshAPI
import MeshRemote

struct Instances: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List registered instances and their health.")

    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "Only this service.") var service: String?
    @Option(name: .shortAndLong, help: "Only this namespace.") var namespace: String?
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() async throws {
        let api = try client.client()
        let items = try await withClientErrors { try await api.instances(service: service, namespace: namespace) }
        switch output {
        case .json, .yaml:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(items), as: UTF8.self))
        case .table:
            if items.isEmpty {
                FileHandle.standardError.write(Data("No instances found.\n".utf8))
                return
            }
            var rows = [
                ["ID", "SERVICE", "NAMESPACE", "ADDRESS", "PORTS", "NODE", "SERVICE ACCOUNT", "RUN AS", "WEIGHT", "HEALTH", "OUTPUT"]
            ]
            for item in items {
                rows.append([
                    item.id, item.service, item.namespace, item.address,
                    item.ports.map { ($0.name.map { $0 + ":" } ?? "") + String($0.number) }.joined(separator: ","),
                    item.node, item.serviceAccount, item.runAs ?? "-", String(item.weight), item.health.rawValue,
                    item.healthOutput,
                ])
            }
            printTable(rows)
        }
    }
}

struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register an instance of a service.",
        discussion: """
            Examples:
              meshbox register --service reviews --address 127.0.0.1 --port http:9080 --label version=v1 --http-check /healthz
              meshbox register --service reviews --address 10.0.0.5 --port http:9080 --node host-b --service-account bookinfo-reviews --run-as reviews
              meshbox register --service cache --address 10.0.0.7 --port 6379 --tcp-check --interval 5s
              meshbox register --service batch --address 10.0.0.8 --port 8080 --ttl 30s
              meshbox register -f instance.json
            """
    )

    @OptionGroup var client: ClientOptions
    @Option(name: [.customShort("f"), .long], help: "Registration as a JSON file (InstanceRegistration), or - for stdin.") var filename: String?
    @Option(name: .long, help: "Service name.") var service: String?
    @Option(name: .shortAndLong, help: "Namespace (default: default).") var namespace: String?
    @Option(name: .long, help: "IP address of the instance.") var address: String?
    @Option(name: .long, help: "Port, as NUMBER or NAME:NUMBER. Repeatable.") var port: [String] = []
    @Option(name: .long, help: "Label KEY=VALUE. Repeatable.") var label: [String] = []
    @Option(name: .long, help: "Node name (default: the server's node).") var node: String?
    @Option(name: .long, help: "Service account of the instance's identity (default: default).") var serviceAccount: String?
    @Option(name: .long, help: "Local user (name or uid) the instance runs as on its node; its connections get its identity.")
    var runAs: String?
    @Option(name: .long, help: "Load-balancing weight 1-1000.") var weight: Int?
    @Option(name: .long, help: "Instance id (default: <service>.<namespace>-<address>:<port>).") var id: String?
    @Option(name: .long, help: "Active HTTP check of this path.") var httpCheck: String?
    @Option(name: .long, help: "HTTP status that means healthy (default: any 2xx).") var expectStatus: Int?
    @Flag(name: .long, help: "Active TCP connect check.") var tcpCheck = false
    @Option(name: .long, help: "TTL check: the instance must heartbeat within this duration.") var ttl: String?
    @Option(name: .long, help: "Check interval (default 10s).") var interval: String?
    @Option(name: .long, help: "Check timeout (default 2s).") var timeout: String?
    @Option(name: .long, help: "Successes to turn healthy.") var healthyThreshold: Int?
    @Option(name: .long, help: "Failures to turn unhealthy.") var unhealthyThreshold: Int?
    @Option(name: .long, help: "Deregister after being critical this long.") var deregisterAfter: String?

    func run() async throws {
        let registration: InstanceRegistration
        if let filename {
            let text = try readDocuments(filename)
            do {
                registration = try JSONDecoder().decode(InstanceRegistration.self, from: Data(text.utf8))
            } catch {
                throw CLIError("-f \(filename): not an instance registration: \(error)")
            }
        } else {
            guard let service else { throw CLIError("--service is required (or -f FILE)") }
            guard let address else { throw CLIError("--address is required (or -f FILE)") }
            guard !port.isEmpty else { throw CLIError("--port is required (or -f FILE)") }
            let ports = try port.map { text -> InstancePort in
                let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
                let numberText = parts.count == 2 ? parts[1] : parts[0]
                guard let number = Int(numberText) else { throw CLIError("--port \(text): expected NUMBER or NAME:NUMBER") }
                return InstancePort(name: parts.count == 2 ? parts[0] : nil, number: number)
            }
            var labels: [String: String] = [:]
            for item in label {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw CLIError("--label \(item): expected KEY=VALUE") }
                labels[parts[0]] = parts[1]
            }
            let kinds = [httpCheck != nil, tcpCheck, ttl != nil].filter { $0 }.count
            guard kinds <= 1 else { throw CLIError("choose one of --http-check, --tcp-check, --ttl") }
            var check: HealthCheckSpec?
            if let httpCheck {
                check = HealthCheckSpec(kind: .http, path: httpCheck, expectedStatus: expectStatus)
            } else if tcpCheck {
                check = HealthCheckSpec(kind: .tcp)
            } else if let ttl {
                check = HealthCheckSpec(kind: .ttl, ttl: ttl)
            }
            if check != nil {
                check!.interval = interval
                check!.timeout = timeout
                check!.healthyThreshold = healthyThreshold
                check!.unhealthyThreshold = unhealthyThreshold
                check!.deregisterAfter = deregisterAfter
            } else if interval != nil || timeout != nil || deregisterAfter != nil {
                throw CLIError("--interval, --timeout and --deregister-after need a check (--http-check, --tcp-check or --ttl)")
            }
            registration = InstanceRegistration(
                id: id, service: service, namespace: namespace, address: address, ports: ports,
                labels: labels.isEmpty ? nil : labels, node: node, weight: weight, check: check,
                serviceAccount: serviceAccount, runAs: runAs)
        }
        let api = try client.client()
        let instance = try await withClientErrors { try await api.register(registration) }
        print("\(instance.id) registered (\(instance.health.rawValue))")
    }
}

struct Deregister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove an instance by id.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Instance id (see `meshbox instances`).") var id: String

    func run() async throws {
        let api = try client.client()
        try await withClientErrors { try await api.deregister(id: id) }
        print("\(id) deregistered")
    }
}

struct Heartbeat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Refresh an instance's TTL check.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Instance id.") var id: String

    func run() async throws {
        let api = try client.client()
        let instance = try await withClientErrors { try await api.heartbeat(id: id) }
        print("\(instance.id) \(instance.health.rawValue)")
    }
}
