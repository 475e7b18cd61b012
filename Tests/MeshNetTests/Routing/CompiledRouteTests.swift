import Foundation
import MeshModel
import MeshNet
import NIOCore
import Testing

extension RoutingTests {
    @Suite("CompiledRoute")
    struct CompiledRouteTests {
        static func weighted(_ weights: [UInt32]) -> CompiledRoute {
            let clusters = weights.enumerated().map {
                Snapshot.WeightedCluster(name: "c\($0.offset)", weight: $0.element)
            }
            return CompiledRoute(
                Snapshot.Route(name: "w", match: .all, action: .route(Snapshot.RouteAction(weightedClusters: clusters)))
            )
        }

        @Test(
            "weighted picks follow the weights over 10,000 requests",
            arguments: [[80, 20], [50, 30, 20], [1, 1, 1, 1], [0, 100, 0], [90, 0, 10]] as [[UInt32]]
        )
        func distribution(weights: [UInt32]) {
            let route = Self.weighted(weights)
            var generator = SplitMix64(seed: 42)
            var counts: [String: Int] = [:]
            for _ in 0..<10_000 {
                counts[route.pickCluster(using: &generator)?.name ?? "none", default: 0] += 1
            }
            let total = Double(weights.reduce(0, +))
            for (index, weight) in weights.enumerated() {
                let expected = 10_000 * Double(weight) / total
                let actual = Double(counts["c\(index)"] ?? 0)
                // ±3 % of all picks: well beyond chance, well within a broken cumulative table.
                #expect(abs(actual - expected) < 300, "cluster c\(index): \(actual) picks, expected \(expected)")
                if weight == 0 { #expect(actual == 0) }
            }
        }

        @Test("one cluster with a weight is picked without drawing a random number")
        func singleClusterDrawsNothing() {
            var generator = CountingGenerator()
            for weights in [[100], [0, 7, 0]] as [[UInt32]] {
                #expect(Self.weighted(weights).pickCluster(using: &generator)?.weight ?? 0 > 0)
            }
            #expect(generator.draws == 0)
        }

        @Test("no cluster, or only zero weights, picks nothing", arguments: [[], [0], [0, 0]] as [[UInt32]])
        func nothingToPick(weights: [UInt32]) {
            var generator = SplitMix64(seed: 1)
            #expect(Self.weighted(weights).pickCluster(using: &generator) == nil)
        }

        @Test("redirects and direct responses carry their status and body")
        func responseCodes() {
            let redirect = CompiledRoute(
                Snapshot.Route(name: "r", match: .all, action: .redirect(.init(host: "b.com", responseCode: 308)))
            )
            #expect(redirect.responseCode == 308)
            #expect(redirect.redirect?.host == "b.com")
            #expect(redirect.routeAction == nil)
            var generator = SplitMix64(seed: 1)
            #expect(redirect.pickCluster(using: &generator) == nil)

            let direct = CompiledRoute(
                Snapshot.Route(
                    name: "d",
                    match: .all,
                    action: .directResponse(.init(status: 503, body: .init("down".utf8)))
                )
            )
            #expect(direct.responseCode == 503)
            #expect(direct.directResponseBody?.readableBytesView.elementsEqual("down".utf8) == true)

            #expect(CompiledRoute(makeRoute()).responseCode == nil)
        }
    }
}
