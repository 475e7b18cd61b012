import MeshModel
import Testing

@Suite("WorkloadEntry serviceAccount")
struct WorkloadEntryServiceAccountTests {
    static let cases: [ValidationCase] = [
        .init(
            .serviceEntry,
            "{hosts: [a.com], ports: [{number: 80}], resolution: STATIC, endpoints: [{address: 1.2.3.4, serviceAccount: billing}]}",
            []
        ),
        .init(
            .serviceEntry,
            "{hosts: [a.com], ports: [{number: 80}], resolution: STATIC, endpoints: [{address: 1.2.3.4}, {address: 1.2.3.5, serviceAccount: Billing_SA}]}",
            [
                "spec.endpoints[1].serviceAccount: \"Billing_SA\" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)"
            ]
        ),
    ]

    @Test("an endpoint's serviceAccount is accepted as a DNS-1123 label and refused otherwise with its path", arguments: cases)
    func serviceAccount(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("an endpoint's serviceAccount decodes onto the WorkloadEntry")
    func decoded() throws {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: billing, namespace: shop}
            spec:
              hosts: [billing.example.com]
              ports: [{number: 443, name: https}]
              resolution: STATIC
              endpoints: [{address: 192.0.2.1, serviceAccount: billing}]
            """
        let resource = try #require(try ResourceDecoder.decode(text).first)
        guard case .serviceEntry(let spec) = resource.spec else {
            Issue.record("not a ServiceEntry: \(resource.spec)")
            return
        }
        #expect(spec.endpoints.map(\.serviceAccount) == ["billing"])
    }
}
