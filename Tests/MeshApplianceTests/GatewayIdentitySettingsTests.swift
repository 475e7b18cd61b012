import MeshAppliance
import Testing

@Suite("GatewaySettings: identity")
struct GatewayIdentitySettingsTests {
    @Test("gateway.identity: Istio's ingress gateway identity by default; namespace, serviceAccount and ttl set it")
    func identity() throws {
        let defaults = GatewaySettings()
        #expect(defaults.identityNamespace == "istio-system")
        #expect(defaults.identityServiceAccount == "istio-ingressgateway-service-account")
        #expect(defaults.identityTTL == nil)
        let set = try ApplianceConfiguration.parse(
            yaml: "gateway:\n  identity:\n    namespace: edge\n    serviceAccount: gw-1\n    ttl: 2h\n", source: "t.yaml")
        #expect(set.gateway.identityNamespace == "edge")
        #expect(set.gateway.identityServiceAccount == "gw-1")
        #expect(set.gateway.identityTTL == .seconds(7200))
    }

    @Test(
        "bad gateway.identity values are errors naming the key",
        arguments: [
            ("gateway:\n  identity:\n    namespace: a/b\n", "t.yaml: gateway.identity.namespace: must be letters"),
            ("gateway:\n  identity:\n    serviceAccount: \"..\"\n", "t.yaml: gateway.identity.serviceAccount: must be letters"),
            ("gateway:\n  identity:\n    ttl: soon\n", "t.yaml: gateway.identity.ttl: invalid duration"),
            ("gateway:\n  identity:\n    account: x\n", "t.yaml: gateway.identity.account: unknown key"),
        ])
    func errors(yaml: String, message: String) {
        #expect {
            try ApplianceConfiguration.parse(yaml: yaml, source: "t.yaml")
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
