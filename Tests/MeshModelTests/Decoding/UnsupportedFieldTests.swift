import MeshModel
import Testing

/// Istio fields meshbox keeps in its Swift types but does not implement: YAML that sets them is
/// refused with the field's path, never decoded into a silent no-op (issue 18).
@Suite("Unsupported Istio fields")
struct UnsupportedFieldTests {
    @Test(
        "a field the gateway does not implement is refused with its path",
        arguments: [
            (
                "VirtualService",
                "{hosts: [a], http: [{match: [{sourceNamespace: shop}], \(route)}]}",
                "spec.http[0].match[0].sourceNamespace"
            ),
            (
                "VirtualService",
                "{hosts: [a], http: [{match: [{sourceLabels: {app: web}}], \(route)}]}",
                "spec.http[0].match[0].sourceLabels"
            ),
            (
                "VirtualService",
                "{hosts: [a], tcp: [{match: [{destinationSubnets: [10.0.0.0/8]}], \(route)}]}",
                "spec.tcp[0].match[0].destinationSubnets"
            ),
            (
                "VirtualService",
                "{hosts: [a], tcp: [{match: [{sourceNamespace: shop}], \(route)}]}",
                "spec.tcp[0].match[0].sourceNamespace"
            ),
            (
                "VirtualService",
                "{hosts: [a.example.com], tls: [{match: [{sniHosts: [a.example.com], destinationSubnets: [10.0.0.1]}], \(route)}]}",
                "spec.tls[0].match[0].destinationSubnets"
            ),
            (
                "VirtualService",
                "{hosts: [a.example.com], tls: [{match: [{sniHosts: [a.example.com], sourceNamespace: shop}], \(route)}]}",
                "spec.tls[0].match[0].sourceNamespace"
            ),
            (
                "VirtualService",
                "{hosts: [a], http: [{retries: {attempts: 2, retryRemoteLocalities: true}, \(route)}]}",
                "spec.http[0].retries.retryRemoteLocalities"
            ),
            (
                "Gateway",
                "{selector: {app: gw}, servers: [{port: {number: 80, name: http, protocol: HTTP}, bind: 10.0.0.1, hosts: [a]}]}",
                "spec.servers[0].bind"
            ),
            (
                "Gateway",
                "{selector: {app: gw}, servers: [{port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}, hosts: [a]}]}",
                "spec.servers[0].port.targetPort"
            ),
            (
                "ServiceEntry",
                "{hosts: [a.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS, subjectAltNames: [a.example.com]}",
                "spec.subjectAltNames"
            ),
            (
                "ServiceEntry",
                "{hosts: [a.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 10.0.0.1, locality: eu/west}]}",
                "spec.endpoints[0].locality"
            ),
            (
                "ServiceEntry",
                "{hosts: [a.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 10.0.0.1, network: n1}]}",
                "spec.endpoints[0].network"
            ),
        ]
    )
    func refusedWithPath(kind: String, spec: String, path: String) {
        let text = "apiVersion: networking.istio.io/v1\nkind: \(kind)\nmetadata: {name: x}\nspec: \(spec)\n"
        #expect(issues(text) == ["\(kind) default/x: \(path): not supported"])
    }

    @Test(
        "a retry condition the gateway does not implement is refused by name",
        arguments: [
            "retriable-headers", "envoy-ratelimited", "cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "unavailable",
        ]
    )
    func retryConditionRefused(condition: String) {
        let spec = "{hosts: [a], http: [{retries: {attempts: 2, retryOn: \"5xx,\(condition)\"}, \(route)}]}"
        #expect(
            validation(.virtualService, spec) == [
                "spec.http[0].retries.retryOn: retry condition \"\(condition)\" is not supported"
            ])
    }

    @Test("the retry conditions the gateway implements are still accepted")
    func implementedRetryConditionsAccepted() {
        let spec =
            "{hosts: [a], http: [{retries: {attempts: 2, retryOn: \"5xx,gateway-error,connect-failure,reset,refused-stream,retriable-4xx,retriable-status-codes,503\"}, \(route)}]}"
        #expect(validation(.virtualService, spec) == [])
    }
}

private let route = "route: [{destination: {host: a}}]"
