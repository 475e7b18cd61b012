import MeshModel
import MeshNet
import Testing

extension RoutingTests {
    @Suite("RequestHash")
    struct RequestHashTests {
        @Test(
            "hash is xxHash64 with seed 0, as libxxhash computes it",
            arguments: [
                ("", 0xEF46_DB37_51D8_E999 as UInt64),
                ("a", 0xD24E_C4F1_A98C_6E5B),
                ("abc", 0x44BC_2CF5_AD77_0999),
                ("Nobody inspects the spammish repetition", 0xFBCE_A83C_8A37_8BF1),
                ("10.0.0.1", 0xED16_CB68_C786_E3D7),
                ("user-42", 0x397E_9D3A_76AF_7C81),
            ]
        )
        func xxHash64(input: String, expected: UInt64) {
            #expect(RequestHash.hash(input.utf8) == expected)
            #expect(RequestHash.hash(Array(input.utf8)) == expected)
            #expect(RequestHash.hash(input.utf8.lazy.map { $0 }) == expected)
        }

        @Test("a 100-byte input hashes across its 32-byte stripes")
        func longInput() {
            #expect(RequestHash.hash((0..<100).map(UInt8.init)) == 0x6AC1_E580_3216_6597)
        }

        @Test(
            "each policy kind hashes its value",
            arguments: [
                (Snapshot.HashPolicy.header(name: "x-user"), "user-42"),
                (.cookie(name: "session", path: nil, ttl: nil), "user-42"),
                (.sourceIP, "10.0.0.1"),
                (.queryParameter(name: "u"), "user-42"),
            ]
        )
        func policyKinds(policy: Snapshot.HashPolicy, hashed: String) {
            let facts = makeFacts(
                "/?a=1&u=user-42",
                headers: [("X-User", "user-42"), ("Cookie", "theme=dark; session=\"user-42\"")],
                sourceAddress: "10.0.0.1"
            )
            #expect(RequestHash.compute([policy], facts: facts) == RequestHash.hash(hashed.utf8))
        }

        @Test("the first policy that finds a value wins; none found gives nil")
        func policyOrder() {
            let policies: [Snapshot.HashPolicy] = [
                .header(name: "x-user"), .cookie(name: "session", path: "/", ttl: .seconds(60)), .sourceIP,
            ]
            let withCookie = makeFacts("/", headers: [("Cookie", "session=abc")], sourceAddress: "10.0.0.1")
            #expect(RequestHash.compute(policies, facts: withCookie) == RequestHash.hash("abc".utf8))
            let withHeader = makeFacts(
                "/",
                headers: [("x-user", "u"), ("Cookie", "session=abc")],
                sourceAddress: "1.2.3.4"
            )
            #expect(RequestHash.compute(policies, facts: withHeader) == RequestHash.hash("u".utf8))
            let onlyAddress = makeFacts("/", headers: [("Cookie", "other=1")], sourceAddress: "10.0.0.1")
            #expect(RequestHash.compute(policies, facts: onlyAddress) == 0xED16_CB68_C786_E3D7)
            #expect(RequestHash.compute(policies, facts: makeFacts("/")) == nil)
            #expect(RequestHash.compute([], facts: withHeader) == nil)
        }

        @Test("equal requests hash equally and different keys differ")
        func stability() {
            let policies: [Snapshot.HashPolicy] = [.header(name: "x-user")]
            let first = RequestHash.compute(policies, facts: makeFacts("/a", headers: [("x-user", "alice")]))
            let again = RequestHash.compute(
                policies,
                facts: makeFacts("/b", host: "other", headers: [("X-USER", "alice")])
            )
            let other = RequestHash.compute(policies, facts: makeFacts("/a", headers: [("x-user", "bob")]))
            #expect(first != nil && first == again)
            #expect(first != other)
        }
    }
}
