import Foundation
import MeshAPI
import MeshDNS
import MeshModel
import MeshProxy

/// A config store state with what the DNS tests ask for: a Service with IPv4 and IPv6 VIPs and
/// named ports, a UDP Service, ServiceEntry hosts with allocated and written addresses.
enum DNSTestConfig {
    static let domain = DNSName("cluster.local")!

    static func state(revision: Int64 = 7) -> ConfigState {
        var resources: [ResourceKey: StoredResource] = [:]
        func store(_ resource: Resource, vips: [VIPAssignment] = []) {
            resources[resource.key] = StoredResource(
                resource: resource, revision: revision, createRevision: 1, version: 1,
                updatedAt: Date(timeIntervalSince1970: 0), status: vips.isEmpty ? nil : ResourceStatus(vips: vips))
        }
        store(
            Resource(
                metadata: ObjectMeta(name: "reviews"),
                spec: .service(
                    ServiceSpec(ports: [
                        .init(name: "http", number: 9080, protocol: .http),
                        .init(name: "GRPC", number: 9090, protocol: .grpc),
                        .init(number: 8080),
                    ]))),
            vips: [VIPAssignment(address: "240.240.0.10"), VIPAssignment(address: "fd00:240::a")])
        store(
            Resource(
                metadata: ObjectMeta(name: "stats", namespace: "ops"),
                spec: .service(ServiceSpec(ports: [.init(name: "statsd", number: 8125, protocol: .udp)], vip: "240.240.9.9"))),
            vips: [VIPAssignment(address: "240.240.9.9", fixed: true)])
        store(
            Resource(
                metadata: ObjectMeta(name: "external"),
                spec: .serviceEntry(
                    ServiceEntrySpec(
                        hosts: ["api.example.com", "*.wild.example.com", "noaddress.example.com"],
                        ports: [.init(number: 443, protocol: .tls, name: "https")]))),
            vips: [VIPAssignment(host: "api.example.com", address: "240.240.1.1")])
        let many = (1...40).map { "10.9.0.\($0)" }
        store(
            Resource(
                metadata: ObjectMeta(name: "many"),
                spec: .serviceEntry(
                    ServiceEntrySpec(hosts: ["many.example.com"], addresses: many + ["10.8.0.0/16"], ports: [.init(number: 80)]))))
        return ConfigState(revision: revision, resources: resources)
    }

    static var table: DNSTable { DNSTable(config: state(), domain: domain) }
}
