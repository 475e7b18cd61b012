import Foundation
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@Suite("RouteConfigurationTranslator")
struct RouteConfigurationTranslatorTests {
    typealias RouteConfiguration = Envoy_Config_Route_V3_RouteConfiguration

    func routes(_ host: String) throws -> (routes: [Envoy_Config_Route_V3_Route], notes: [XDSNote]) {
        let snapshot = try MeshFixture.compile()
        let configuration = try #require(snapshot.routeConfiguration(named: "http.8080"))
        let translation = RouteConfigurationTranslator.translate(configuration)
        #expect(translation.resource.name == "http.8080")
        let virtualHost = try #require(translation.resource.virtualHosts.first { $0.domains.contains(host) })
        #expect(virtualHost.domains == [host, "\(host):8080"])
        return (virtualHost.routes, translation.notes)
    }

    @Test("bookinfo: header match, 80/20 split, timeout and retries keep the rule order")
    func bookinfo() throws {
        let (routes, notes) = try routes("bookinfo.example.com")
        #expect(notes.isEmpty, "\(notes)")
        #expect(routes.map(\.name) == ["default/reviews/jason", "default/reviews/ratings", "default/reviews/split"])

        let jason = routes[0]
        #expect(jason.match.prefix == "/")
        #expect(jason.match.headers.map(\.name) == ["end-user"])
        #expect(jason.match.headers.first?.stringMatch.exact == "jason")
        #expect(jason.route.cluster == MeshFixture.reviewsV2)

        let split = routes[2].route
        #expect(split.weightedClusters.clusters.map(\.name) == [MeshFixture.reviewsV1, MeshFixture.reviewsV3])
        #expect(split.weightedClusters.clusters.map(\.weight.value) == [80, 20])
        #expect(split.timeout == Google_Protobuf_Duration(seconds: 10))
        #expect(split.retryPolicy.retryOn == "5xx,connect-failure")
        #expect(split.retryPolicy.numRetries.value == 3)
        #expect(split.retryPolicy.perTryTimeout == Google_Protobuf_Duration(seconds: 2))
        // No timeout in the VirtualService: Istio's "none", which Envoy spells 0s (its own default is 15 s).
        #expect(jason.route.timeout == Google_Protobuf_Duration(seconds: 0))
        #expect(jason.route.hasTimeout)
    }

    @Test("shop: rewrite, header changes, fault, mirror and CORS as Envoy route and per-filter config")
    func shop() throws {
        let (routes, _) = try routes("shop.example.com")
        let api = try #require(routes.first { $0.name == "default/shop/api" })
        #expect(api.match.prefix == "/api")
        #expect(api.match.caseSensitive.value == false && api.match.hasCaseSensitive)
        #expect(api.match.queryParameters.map(\.name) == ["q"])
        #expect(api.match.queryParameters.first?.stringMatch.safeRegex.regex == "a.*")
        #expect(api.route.prefixRewrite == "/internal")
        #expect(api.route.hostRewriteLiteral == "backend.local")
        #expect(api.route.cluster == MeshFixture.shop)
        #expect(api.route.requestMirrorPolicies.map(\.cluster) == [MeshFixture.shop])
        #expect(api.route.requestMirrorPolicies.first?.runtimeFraction.defaultValue.numerator == 250_000)
        #expect(api.route.requestMirrorPolicies.first?.runtimeFraction.defaultValue.denominator == .million)

        #expect(api.requestHeadersToAdd.map(\.header.key) == ["x-a", "x-b"])
        #expect(api.requestHeadersToAdd.map(\.appendAction) == [.overwriteIfExistsOrAdd, .appendIfExistsOrAdd])
        #expect(api.requestHeadersToRemove == ["x-c"])
        #expect(api.responseHeadersToRemove == ["server"])

        #expect(Set(api.typedPerFilterConfig.keys) == ["envoy.filters.http.fault", "envoy.filters.http.cors"])
        let fault = try Envoy_Extensions_Filters_Http_Fault_V3_HTTPFault(
            unpackingAny: try #require(api.typedPerFilterConfig["envoy.filters.http.fault"])
        )
        #expect(fault.delay.fixedDelay == Google_Protobuf_Duration(seconds: 5))
        #expect(fault.delay.percentage.numerator == 100_000)
        #expect(fault.abort.httpStatus == 503)
        #expect(fault.abort.percentage.numerator == 15_000)
        let cors = try Envoy_Extensions_Filters_Http_Cors_V3_CorsPolicy(
            unpackingAny: try #require(api.typedPerFilterConfig["envoy.filters.http.cors"])
        )
        #expect(cors.allowOriginStringMatch.map(\.exact) == ["https://shop.example.com"])
        #expect(cors.allowMethods == "GET,POST")
        #expect(cors.maxAge == "86400")
    }

    @Test("redirect and direct response")
    func redirectAndDirectResponse() throws {
        let (routes, _) = try routes("shop.example.com")
        let old = try #require(routes.first { $0.name == "default/shop/old" })
        #expect(old.redirect.pathRedirect == "/new")
        #expect(old.redirect.hostRedirect == "new.example.com")
        #expect(old.redirect.responseCode == .found)
        let gone = try #require(routes.first { $0.name == "default/shop/gone" })
        #expect(gone.directResponse.status == 410)
        #expect(gone.directResponse.body.inlineBytes == Data("gone".utf8))
    }

    @Test("a prefix rewrite after a regex match becomes a regex rewrite; compression is noted")
    func regexMatchRewriteAndCompression() throws {
        let route = Snapshot.Route(
            name: "r",
            match: .init(path: .regex("/v[0-9]+/.*")),
            action: .route(.init(weightedClusters: [.init(name: "c", weight: 100)], prefixRewrite: "/internal")),
            compression: .init()
        )
        let configuration = Snapshot.RouteConfiguration(
            name: "http.80",
            virtualHosts: [.init(name: "h", domains: ["*"], routes: [route], requireTLS: true)]
        )
        let translation = RouteConfigurationTranslator.translate(configuration)
        let translated = translation.resource.virtualHosts[0].routes[0]
        #expect(translated.match.safeRegex.regex == "/v[0-9]+/.*")
        #expect(translated.route.prefixRewrite == "")
        #expect(translated.route.regexRewrite.pattern.regex == "/v[0-9]+/.*")
        #expect(translated.route.regexRewrite.substitution == "/internal")
        #expect(translation.resource.virtualHosts[0].requireTls == .all)
        #expect(translation.notes.map(\.field) == ["virtualHosts[0].routes[0].compression"])
    }
}
