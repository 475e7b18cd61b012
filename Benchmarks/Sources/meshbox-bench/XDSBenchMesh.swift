import Foundation
import MeshAPI
import MeshModel

/// The mesh the xDS benchmark serves: one Gateway (HTTP on 80, every host), `services` Services
/// with a VirtualService each (`svc-N.example.com` → `svc-N`), and `perService` instances of
/// each in the registry. What the real compiler turns into one listener, one route configuration
/// with a virtual host per service, and a cluster with its endpoints per service.
struct XDSBenchMesh {
    let services: Int
    let perService: Int
    private(set) var config: ConfigState
    private(set) var registry: RegistryState
    private var extraInstances = 0
    private var splits = 0

    init(services: Int, perService: Int) throws {
        self.services = services
        self.perService = perService
        var documents = [
            """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ["*"]
            """
        ]
        for index in 0..<services {
            documents.append(Self.service(index))
            documents.append(Self.virtualService(index, split: nil))
        }
        var stored: [ResourceKey: StoredResource] = [:]
        // The decoder takes at most 500,000 values per text: 1,000 documents at a time.
        for start in stride(from: 0, to: documents.count, by: 1_000) {
            let text = documents[start..<min(start + 1_000, documents.count)].joined(separator: "\n---\n")
            for resource in try ResourceDecoder.decode(text) { stored[resource.key] = Self.stored(resource, revision: 1) }
        }
        config = ConfigState(revision: 1, resources: stored)
        var instances: [String: Instance] = [:]
        for serviceIndex in 0..<services {
            for instanceIndex in 0..<perService {
                let instance = Self.instance(service: serviceIndex, number: instanceIndex)
                instances[instance.id] = instance
            }
        }
        registry = RegistryState(revision: 1, instances: instances)
    }

    var endpoints: Int { registry.instances.count }

    /// A registry change: one more instance of one service (so one cluster's endpoints change).
    mutating func addInstance() {
        let instance = Self.instance(service: extraInstances % services, number: perService + extraInstances)
        extraInstances += 1
        registry.instances[instance.id] = instance
        registry.revision += 1
    }

    /// A config change: the first service's VirtualService splits its traffic with the second
    /// service, with weights that differ each time (so the route configuration changes).
    mutating func changeRoute() throws {
        splits += 1
        let resource = try ResourceDecoder.decode(Self.virtualService(0, split: 10 + splits % 80))[0]
        config.revision += 1
        config.resources[resource.key] = Self.stored(resource, revision: config.revision)
    }

    static func service(_ index: Int) -> String {
        """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: svc-\(index), namespace: default}
        spec:
          ports: [{name: http, number: 80, protocol: HTTP}]
        """
    }

    static func virtualService(_ index: Int, split: Int?) -> String {
        var routes = "  - route: [{destination: {host: svc-\(index)}}]"
        if let split {
            routes = "  - route: [{destination: {host: svc-\(index)}, weight: \(100 - split)}, {destination: {host: svc-1}, weight: \(split)}]"
        }
        return """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc-\(index), namespace: default}
            spec:
              hosts: ["svc-\(index).example.com"]
              gateways: ["edge"]
              http:
            \(routes)
            """
    }

    static func stored(_ resource: Resource, revision: Int64) -> StoredResource {
        StoredResource(resource: resource, revision: revision, createRevision: revision, version: 1, updatedAt: Date(timeIntervalSince1970: 0))
    }

    static func instance(service: Int, number: Int) -> Instance {
        let address = "10.\(service / 256 % 256).\(service % 256).\(number % 250 + 1)"
        let port = 8080 + number / 250
        let date = Date(timeIntervalSince1970: 0)
        return Instance(
            id: "default/svc-\(service)/\(address):\(port)", service: "svc-\(service)", namespace: "default", address: address,
            ports: [InstancePort(name: "http", number: port)], labels: [:], node: "bench", weight: 1, check: nil, source: .api,
            health: .passing, healthOutput: "", registeredAt: date, healthChangedAt: date)
    }
}
