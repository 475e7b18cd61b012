import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import MeshTesting

/// A realistic mesh compiled by the real compiler: an edge Gateway (HTTP 8080, HTTPS 8443 with a
/// credential, HTTPS 9443 with client certificates, TLS passthrough 443), VirtualServices with matches, a weighted split, retries,
/// timeouts, rewrites, a redirect, header changes, fault, mirror and CORS, DestinationRules with
/// balancing, connection pools, outlier detection, SIMPLE and ISTIO_MUTUAL TLS origination, and a registry
/// with healthy and unhealthy instances. Key material is minted once per run, so compiling twice
/// gives equal snapshots.
enum MeshFixture {
    static let reviewsV1 = "outbound|9080|v1|reviews.default.svc.cluster.local"
    static let reviewsV2 = "outbound|9080|v2|reviews.default.svc.cluster.local"
    static let reviewsV3 = "outbound|9080|v3|reviews.default.svc.cluster.local"
    static let ratings = "outbound|9090||ratings.default.svc.cluster.local"
    static let payments = "outbound|443||payments.default.svc.cluster.local"
    static let shop = "outbound|8000||shop.default.svc.cluster.local"

    struct PKI: Sendable {
        let authority: TestPKI.Authority
        let edgeSecretYAML: String
        let material: MeshCAMaterial
    }

    static let pki = Result { () throws -> PKI in
        let authority = try TestPKI.Authority(trustDomain: "cluster.local")
        let edge = try authority.issue(
            spiffeID: nil,
            dnsName: "bookinfo.example.com",
            notValidAfter: Date().addingTimeInterval(90 * 86400)
        )
        let workloadID = "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
        let workload = try authority.issue(spiffeID: workloadID, notValidAfter: Date().addingTimeInterval(86400))
        let material = MeshCAMaterial(
            trustDomain: "cluster.local",
            trustBundlePEM: try authority.certificatePEM,
            workloadSPIFFEID: workloadID,
            workload: .init(
                certificateChainPEM: try workload.chainPEM,
                privateKeyPEM: workload.privateKeyPEM,
                serialNumber: "01",
                notBefore: Date(timeIntervalSince1970: 0),
                notAfter: Date().addingTimeInterval(86400)
            )
        )
        let secret = secretYAML(
            "bookinfo-cert",
            type: "kubernetes.io/tls",
            values: [
                "tls.crt": try edge.chainPEM, "tls.key": edge.privateKeyPEM, "ca.crt": try authority.certificatePEM,
            ]
        )
        return PKI(authority: authority, edgeSecretYAML: secret, material: material)
    }

    static let yaml = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          servers:
          - name: http
            port: {number: 8080, name: http, protocol: HTTP}
            hosts: ["bookinfo.example.com", "shop.example.com"]
          - name: https
            port: {number: 8443, name: https, protocol: HTTPS}
            hosts: ["bookinfo.example.com"]
            tls: {mode: SIMPLE, credentialName: bookinfo-cert, minProtocolVersion: TLSV1_2}
          - name: mtls
            port: {number: 9443, name: https-mtls, protocol: HTTPS}
            hosts: ["bookinfo.example.com"]
            tls:
              mode: MUTUAL
              credentialName: bookinfo-cert
              subjectAltNames: ["spiffe://cluster.local/ns/default/sa/client"]
          - name: passthrough
            port: {number: 443, name: tls, protocol: TLS}
            hosts: ["*.pay.example.com"]
            tls: {mode: PASSTHROUGH}
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: reviews, namespace: default}
        spec:
          ports: [{name: http, number: 9080, protocol: HTTP}]
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: ratings, namespace: default}
        spec:
          ports: [{name: grpc, number: 9090, protocol: GRPC}]
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: shop, namespace: default}
        spec:
          ports: [{name: http, number: 8000, protocol: HTTP}]
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: payments, namespace: default}
        spec:
          ports: [{name: tls, number: 443, protocol: TLS}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: ["bookinfo.example.com"]
          gateways: ["edge"]
          http:
          - name: jason
            match:
            - headers: {end-user: {exact: jason}}
            route:
            - destination: {host: reviews, subset: v2}
          - name: ratings
            match: [{uri: {prefix: /ratings}}]
            route:
            - destination: {host: ratings}
          - name: split
            route:
            - destination: {host: reviews, subset: v1}
              weight: 80
            - destination: {host: reviews, subset: v3}
              weight: 20
            timeout: 10s
            retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,connect-failure"}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: shop, namespace: default}
        spec:
          hosts: ["shop.example.com"]
          gateways: ["edge"]
          http:
          - name: api
            match:
            - uri: {prefix: /api}
              ignoreUriCase: true
              queryParams: {q: {regex: "a.*"}}
            rewrite: {uri: /internal, authority: backend.local}
            route:
            - destination: {host: shop}
            fault:
              delay: {fixedDelay: 5s, percentage: {value: 10}}
              abort: {httpStatus: 503, percentage: {value: 1.5}}
            mirror: {host: shop, port: {number: 8000}}
            mirrorPercentage: {value: 25}
            corsPolicy:
              allowOrigins: [{exact: "https://shop.example.com"}]
              allowMethods: [GET, POST]
              maxAge: 24h
            headers:
              request: {set: {x-a: "1"}, add: {x-b: "2"}, remove: [x-c]}
              response: {remove: [server]}
          - name: old
            match: [{uri: {prefix: /old}}]
            redirect: {uri: /new, authority: new.example.com, redirectCode: 302}
          - name: gone
            directResponse: {status: 410, body: {string: gone}}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: payments, namespace: default}
        spec:
          hosts: ["*.pay.example.com"]
          gateways: ["edge"]
          tls:
          - match: [{sniHosts: ["api.pay.example.com"]}]
            route:
            - destination: {host: payments, port: {number: 443}}
              weight: 60
            - destination: {host: payments, subset: canary, port: {number: 443}}
              weight: 40
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer: {simple: LEAST_REQUEST}
            connectionPool:
              tcp: {maxConnections: 100, connectTimeout: 30ms}
              http: {http1MaxPendingRequests: 64, http2MaxRequests: 1000, maxRequestsPerConnection: 10, idleTimeout: 60s}
            outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
          - name: v3
            labels: {version: v3}
            trafficPolicy:
              loadBalancer: {consistentHash: {httpHeaderName: x-user}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings, namespace: default}
        spec:
          host: ratings
          trafficPolicy:
            tls: {mode: ISTIO_MUTUAL}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: shop, namespace: default}
        spec:
          host: shop
          trafficPolicy:
            tls: {mode: SIMPLE, sni: shop.internal, subjectAltNames: [shop.internal]}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: payments, namespace: default}
        spec:
          host: payments
          subsets:
          - {name: canary, labels: {track: canary}}
        """

    static func instance(
        _ service: String,
        _ address: String,
        port: Int,
        portName: String = "http",
        labels: [String: String] = [:],
        health: HealthState = .passing,
        weight: Int = 1
    ) -> Instance {
        let date = Date(timeIntervalSince1970: 0)
        return Instance(
            id: "default/\(service)/\(address):\(port)",
            service: service,
            namespace: "default",
            address: address,
            ports: [InstancePort(name: portName, number: port)],
            labels: labels,
            node: "node-1",
            weight: weight,
            check: nil,
            source: .api,
            health: health,
            healthOutput: "",
            registeredAt: date,
            healthChangedAt: date
        )
    }

    static let instances = [
        instance("reviews", "10.0.0.1", port: 9080, labels: ["version": "v1"]),
        instance("reviews", "10.0.0.2", port: 9080, labels: ["version": "v1"], health: .critical),
        instance("reviews", "10.0.0.3", port: 9080, labels: ["version": "v2"]),
        instance("reviews", "10.0.0.4", port: 9080, labels: ["version": "v3"], weight: 5),
        instance("ratings", "10.1.0.1", port: 9090, portName: "grpc"),
        instance("shop", "10.2.0.1", port: 8000),
        instance("payments", "10.3.0.1", port: 8443, portName: "tls"),
        instance("payments", "10.3.0.2", port: 8443, portName: "tls", labels: ["track": "canary"]),
    ]

    static func compile(
        yaml: String = yaml,
        instances: [Instance] = instances,
        version: UInt64 = 1
    ) throws -> Snapshot {
        let keys = try Self.pki.get()
        return SnapshotCompiler.compile(
            config: try config(yaml + "\n---\n" + keys.edgeSecretYAML),
            registry: RegistryState(
                revision: 1,
                instances: Dictionary(uniqueKeysWithValues: instances.map { ($0.id, $0) })
            ),
            version: version,
            ca: keys.material
        )
    }

    static func config(_ yaml: String) throws -> ConfigState {
        var stored: [ResourceKey: StoredResource] = [:]
        for resource in try ResourceDecoder.decode(yaml) {
            stored[resource.key] = StoredResource(
                resource: resource,
                revision: 1,
                createRevision: 1,
                version: 1,
                updatedAt: Date(timeIntervalSince1970: 0)
            )
        }
        return ConfigState(revision: 1, resources: stored)
    }

    static func secretYAML(_ name: String, type: String, values: [String: String]) -> String {
        var yaml =
            "apiVersion: v1\nkind: Secret\nmetadata: {name: \(name), namespace: default}\ntype: \(type)\nstringData:\n"
        for key in values.keys.sorted() {
            yaml += "  \(key): |\n" + values[key]!.split(separator: "\n").map { "    \($0)\n" }.joined()
        }
        return yaml
    }
}
