import MeshModel
import MeshNet
import Testing

@Suite("FilterChainSelector")
struct FilterChainSelectorTests {
    static func chain(_ name: String, _ serverNames: [String]) -> Snapshot.FilterChain {
        .init(name: name, serverNames: serverNames, destination: .http(routeConfigurationName: "r"))
    }

    static let chains = [
        chain("wide", ["*.example.com"]),
        chain("narrow", ["*.api.example.com"]),
        chain("exact", ["shop.api.example.com", "Shop.Example.com"]),
        chain("default", []),
    ]

    @Test(
        "exact name first, then the longest wildcard, then the chain without names",
        arguments: [
            ("shop.api.example.com", "exact"),
            ("SHOP.API.EXAMPLE.COM.", "exact"),
            ("shop.example.com", "exact"),
            ("cart.api.example.com", "narrow"),
            ("a.b.api.example.com", "narrow"),
            ("cart.example.com", "wide"),
            ("example.com", "default"),
            ("api.example.org", "default"),
        ]
    )
    func selects(serverName: String, expected: String) {
        let index = FilterChainSelector.select(serverName: serverName, chains: Self.chains)
        #expect(index.map { Self.chains[$0].name } == expected)
    }

    @Test("no SNI takes the chain without names")
    func noServerName() {
        #expect(FilterChainSelector.select(serverName: nil, chains: Self.chains) == 3)
        #expect(FilterChainSelector.select(serverName: "", chains: Self.chains) == 3)
    }

    @Test("without a chain lacking names, an unmatched or absent SNI selects nothing")
    func noDefault() {
        let named = Array(Self.chains.dropLast())
        #expect(FilterChainSelector.select(serverName: "example.com", chains: named) == nil)
        #expect(FilterChainSelector.select(serverName: nil, chains: named) == nil)
        #expect(FilterChainSelector.select(serverName: "x.example.com", chains: []) == nil)
    }
}
