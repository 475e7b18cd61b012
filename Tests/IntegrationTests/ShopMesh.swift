/// The shop mesh the xDS tests serve: Gateway `edge` for shop.example.com on `listenerPort`,
/// Services shop-a and shop-b, and VirtualService `shop` routing to `destinations` (a weight per
/// destination, or none for a single one).
enum ShopMesh {
    static func yaml(listenerPort: Int, destinations: [(host: String, weight: Int?)]) -> String {
        let routes = destinations.map { destination in
            let weight = destination.weight.map { ", weight: \($0)" } ?? ""
            return "    - {destination: {host: \(destination.host)}\(weight)}"
        }.joined(separator: "\n")
        return """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: \(listenerPort), name: http, protocol: HTTP}
                hosts: ["shop.example.com"]
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: shop-a, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: shop-b, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["shop.example.com"]
              gateways: ["edge"]
              http:
              - route:
            \(routes)
            """
    }
}
