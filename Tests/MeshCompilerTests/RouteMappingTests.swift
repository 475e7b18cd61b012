import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import Testing

@Suite("SnapshotCompiler: HTTP rule features")
struct RouteMappingTests {
    /// A gateway on port 80, the `shop` service and the start of its VirtualService, up to `http:`.
    static let prelude = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          servers:
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: ["shop.example.com"]
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: shop, namespace: default}
        spec:
          ports: [{name: http, number: 8000, protocol: HTTP}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: shop, namespace: default}
        spec:
          hosts: ["shop.example.com"]
          gateways: ["edge"]
          http:
        """

    static let yaml = prelude + "\n" + """
          - name: api
            match:
            - name: exact
              uri: {exact: /api}
              method: {exact: GET}
              ignoreUriCase: true
              withoutHeaders: {x-debug: {exact: "1"}}
              queryParams: {q: {regex: "a.*"}}
            - name: other-port
              uri: {prefix: /api}
              port: 8080
            - name: regex
              uri: {regex: "/v[0-9]+/.*"}
            rewrite: {uri: /internal, authority: backend.local}
            route:
            - destination: {host: shop}
              headers:
                request: {set: {x-pick: "1"}}
            retries: {attempts: 0}
            fault:
              delay: {fixedDelay: 5s, percentage: {value: 10}}
              abort: {httpStatus: 503, percentage: {value: 1.5}}
            mirror: {host: shop-shadow, port: {number: 8000}}
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
          - name: regex-rewrite
            match: [{uri: {prefix: /r}}]
            rewrite:
              uriRegexRewrite: {match: "^/r/(.*)$", rewrite: "/\\\\1"}
            route:
            - destination: {host: shop}
          - name: gone
            directResponse: {status: 410, body: {string: gone}}
        """

    func routes() throws -> (Snapshot, [Snapshot.Route]) {
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(Self.yaml), registry: .empty, version: 1)
        let routes = try #require(snapshot.routeConfiguration(named: "http.80")?.virtualHosts.first?.routes)
        return (snapshot, routes)
    }

    @Test("each match of a rule is its own route; port matches for other ports are dropped")
    func matches() throws {
        let (_, routes) = try routes()
        #expect(
            routes.map(\.name) == [
                "default/shop/api.exact", "default/shop/api.regex", "default/shop/old", "default/shop/regex-rewrite",
                "default/shop/gone",
            ])
        let exact = routes[0].match
        #expect(exact.path == .exact("/api"))
        #expect(!exact.caseSensitive)
        #expect(
            exact.headers == [
                Snapshot.HeaderMatcher(name: ":method", match: .exact("GET")),
                Snapshot.HeaderMatcher(name: "x-debug", match: .exact("1"), invert: true),
            ])
        #expect(exact.queryParameters == [Snapshot.QueryParameterMatcher(name: "q", match: .regex("a.*"))])
        #expect(routes[1].match.path == .regex("/v[0-9]+/.*"))
        #expect(routes[0].action == routes[1].action)
    }

    @Test("rewrite, retries, fault, mirror, CORS and headers map to the route")
    func forwarding() throws {
        let (snapshot, routes) = try routes()
        let route = routes[0]
        guard case .route(let action) = route.action else {
            Issue.record("expected a route action")
            return
        }
        #expect(action.prefixRewrite == "/internal")
        #expect(action.hostRewrite == "backend.local")
        #expect(action.retryPolicy == nil)
        #expect(action.timeout == nil)
        #expect(
            action.weightedClusters == [
                Snapshot.WeightedCluster(
                    name: "outbound|8000||shop.default.svc.cluster.local", weight: 100,
                    headers: .init(requestHeadersToAdd: [.init(name: "x-pick", value: "1", append: false)]))
            ])
        #expect(
            action.requestMirrorPolicies == [
                Snapshot.MirrorPolicy(cluster: "outbound|8000||shop-shadow.default.svc.cluster.local", percentage: 25)
            ])
        #expect(
            action.cors
                == Snapshot.CorsPolicy(
                    allowOrigins: [.exact("https://shop.example.com")], allowMethods: ["GET", "POST"], maxAge: .seconds(86400)))
        #expect(
            route.fault
                == Snapshot.FaultInjection(
                    delay: .init(duration: .seconds(5), percentage: 10), abort: .init(httpStatus: 503, percentage: 1.5)))
        #expect(
            route.headers
                == Snapshot.HeaderMutations(
                    requestHeadersToAdd: [.init(name: "x-a", value: "1", append: false), .init(name: "x-b", value: "2", append: true)],
                    requestHeadersToRemove: ["x-c"], responseHeadersToRemove: ["server"]))
        #expect(snapshot.cluster(named: "outbound|8000||shop-shadow.default.svc.cluster.local") != nil)
    }

    @Test("redirect, regex rewrite, direct response and Istio's default retries")
    func otherActions() throws {
        let (_, routes) = try routes()
        #expect(routes[2].action == .redirect(Snapshot.RedirectAction(host: "new.example.com", path: "/new", responseCode: 302)))
        guard case .route(let rewrite) = routes[3].action else {
            Issue.record("expected a route action")
            return
        }
        #expect(rewrite.regexRewrite == Snapshot.RegexRewrite(pattern: "^/r/(.*)$", substitution: "/\\1"))
        #expect(rewrite.retryPolicy?.numRetries == 2)
        #expect(routes[4].match == .all)
        #expect(routes[4].action == .directResponse(Snapshot.DirectResponseAction(status: 410, body: Data("gone".utf8))))
    }
}

@Suite("SnapshotCompiler: fault.delay.percent")
struct FaultDelayPercentCompilationTests {
    func delayPercentage(_ fields: String) throws -> Double? {
        let yaml = RouteMappingTests.prelude + "\n" + """
              - fault: {delay: {fixedDelay: 2s, \(fields)}}
                route: [{destination: {host: shop}}]
            """
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: .empty, version: 1)
        let route = try #require(snapshot.routeConfiguration(named: "http.80")?.virtualHosts.first?.routes.first)
        #expect(route.fault?.delay?.duration == .seconds(2))
        return route.fault?.delay?.percentage
    }

    @Test("the deprecated integer percent becomes the route's delay fraction")
    func percent() throws {
        #expect(try delayPercentage("percent: 30") == 30)
    }

    @Test("percentage takes precedence over percent, as in Istio")
    func percentageWins() throws {
        #expect(try delayPercentage("percent: 30, percentage: {value: 2.5}") == 2.5)
    }
}

@Suite("SnapshotCompiler: exportTo")
struct ExportToCompilationTests {
    @Test("a VirtualService with exportTo [\"*\"] still routes")
    func starRoutes() throws {
        let yaml = RouteMappingTests.prelude + "\n" + """
              - route: [{destination: {host: shop}}]
              exportTo: ["*"]
            """
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: .empty, version: 1)
        let route = try #require(snapshot.routeConfiguration(named: "http.80")?.virtualHosts.first?.routes.first)
        guard case .route(let action) = route.action else {
            Issue.record("expected a route action")
            return
        }
        #expect(action.weightedClusters.map(\.name) == ["outbound|8000||shop.default.svc.cluster.local"])
    }
}
