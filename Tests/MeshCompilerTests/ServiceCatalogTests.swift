import MeshAPI
import MeshModel
import Testing

@testable import MeshCompiler

@Suite("ServiceCatalog")
struct ServiceCatalogTests {
    @Test("targets carry the VIPs the config store holds: a Service's, and each ServiceEntry host's own")
    func vips() throws {
        var config = try Fixtures.config(
            """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: web}
            spec:
              ports: [{name: http, number: 80, protocol: HTTP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ext}
            spec:
              hosts: [a.example.com, B.example.com]
              ports: [{number: 443, name: tls, protocol: TLS}]
              resolution: DNS
            """
        )
        let web = ResourceKey(kind: .service, namespace: "default", name: "web")
        let ext = ResourceKey(kind: .serviceEntry, namespace: "default", name: "ext")
        config.resources[web]?.status = ResourceStatus(vips: [
            VIPAssignment(address: "240.240.1.2"), VIPAssignment(address: "2001:2::1:2"),
        ])
        config.resources[ext]?.status = ResourceStatus(vips: [
            VIPAssignment(host: "a.example.com", address: "240.240.3.4"),
            VIPAssignment(host: "B.example.com", address: "240.240.5.6"),
        ])
        let catalog = ServiceCatalog(config: config, registry: .empty)
        #expect(catalog.resolve("web", in: "default")?.vips == ["240.240.1.2", "2001:2::1:2"])
        #expect(catalog.resolve("a.example.com", in: "default")?.vips == ["240.240.3.4"])
        #expect(catalog.resolve("b.example.com", in: "default")?.vips == ["240.240.5.6"])
    }
}
