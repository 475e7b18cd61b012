import Foundation
import MeshModel
import Testing

@Suite("Duration fields")
struct DurationValidationTests {
    static let absurd = "99999999999999999999s"

    // Each of these aborted the process in `DurationText` (even with dryRun) before issue 22.
    @Test(
        "a duration longer than 100 years is refused with its field path",
        arguments: [
            (
                "VirtualService", "{hosts: [a], http: [{timeout: X, route: [{destination: {host: a}}]}]}",
                "spec.http[0].timeout"
            ),
            (
                "VirtualService",
                "{hosts: [a], http: [{retries: {attempts: 2, perTryTimeout: X}, route: [{destination: {host: a}}]}]}",
                "spec.http[0].retries.perTryTimeout"
            ),
            (
                "VirtualService",
                "{hosts: [a], http: [{fault: {delay: {fixedDelay: X, percentage: {value: 10}}}, route: [{destination: {host: a}}]}]}",
                "spec.http[0].fault.delay.fixedDelay"
            ),
            (
                "VirtualService",
                "{hosts: [a], http: [{corsPolicy: {allowOrigins: [{exact: 'https://a'}], maxAge: X}, route: [{destination: {host: a}}]}]}",
                "spec.http[0].corsPolicy.maxAge"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {outlierDetection: {interval: X}}}",
                "spec.trafficPolicy.outlierDetection.interval"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {outlierDetection: {baseEjectionTime: X}}}",
                "spec.trafficPolicy.outlierDetection.baseEjectionTime"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {connectionPool: {tcp: {connectTimeout: X}}}}",
                "spec.trafficPolicy.connectionPool.tcp.connectTimeout"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {connectionPool: {tcp: {idleTimeout: X}}}}",
                "spec.trafficPolicy.connectionPool.tcp.idleTimeout"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {connectionPool: {tcp: {maxConnectionDuration: X}}}}",
                "spec.trafficPolicy.connectionPool.tcp.maxConnectionDuration"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {connectionPool: {tcp: {tcpKeepalive: {time: X}}}}}",
                "spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {connectionPool: {tcp: {tcpKeepalive: {interval: X}}}}}",
                "spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.interval"
            ),
            (
                "DestinationRule", "{host: a, trafficPolicy: {connectionPool: {http: {idleTimeout: X}}}}",
                "spec.trafficPolicy.connectionPool.http.idleTimeout"
            ),
            (
                "DestinationRule",
                "{host: a, trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: c, ttl: X}}}}}",
                "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl"
            ),
        ]
    )
    func tooLongIsRefused(kind: String, spec: String, path: String) {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: \(kind)
            metadata: {name: x}
            spec: \(spec.replacingOccurrences(of: "X", with: Self.absurd))
            """
        let expected =
            "\(kind) default/x: \(path): invalid duration \"\(Self.absurd)\", longer than the maximum 876600h (100 years)"
        #expect(issues(text).contains(expected), "\(issues(text))")
    }
}
