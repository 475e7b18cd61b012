import Testing

@testable import MeshModel

@Suite("Numeric limits")
struct NumericLimitsTests {
    static func destinationRule(maglevTableSize: String) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: x}
        spec: {host: a, trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: \(maglevTableSize)}}}}}
        """
    }

    // The largest prime below 2^63 (YAML integers stop at Int64.max) kept `isPrime` busy for
    // 500 million rounds, and was then accepted.
    @Test(
        "a Maglev table size above Envoy's 5000011 is refused at once",
        arguments: ["9223372036854775783", "5000012"]
    )
    func maglevTableSizeIsBounded(size: String) {
        let expected =
            "DestinationRule default/x: spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: "
            + "table size \(size) must be at most 5000011"
        #expect(issues(Self.destinationRule(maglevTableSize: size)) == [expected])
    }

    @Test("Envoy's largest Maglev table size is accepted")
    func maglevTableSizeAtLimit() throws {
        #expect(try ResourceDecoder.decode(Self.destinationRule(maglevTableSize: "5000011")).count == 1)
    }

    // Past 2^32 the square of the divisor overflowed UInt64 and trapped, for a prime near UInt64.max.
    @Test(
        "isPrime does not overflow past 2^32",
        arguments: [
            (UInt64(4_294_967_311), true), (4_294_967_297, false), (UInt64.max, false), (UInt64.max - 1, false),
        ]
    )
    func isPrimeNearTheTop(value: UInt64, prime: Bool) {
        #expect(Syntax.isPrime(value) == prime)
    }
}
