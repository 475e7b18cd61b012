import MeshNet
import Testing

@Suite("StableHash (xxHash64)")
struct StableHashTests {
    /// Reference values from libxxhash 0.8.1.
    static let vectors: [(String, UInt64, UInt64)] = [
        ("", 0, 0xEF46_DB37_51D8_E999),
        ("", 1, 0xD5AF_BA13_36A3_BE4B),
        ("a", 0, 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0, 0x44BC_2CF5_AD77_0999),
        ("abc", 1, 0xBEA9_CA81_9932_8908),
        ("10.0.0.1:8080_0", 0, 0x23A2_9AE7_75DF_D4A3),
        ("Nobody inspects the spammish repetition", 0, 0xFBCE_A83C_8A37_8BF1),
    ]

    @Test("matches the reference xxHash64", arguments: vectors)
    func matchesReference(_ vector: (String, UInt64, UInt64)) {
        #expect(StableHash.hash(vector.0, seed: vector.1) == vector.2)
        #expect(StableHash.hash(Array(vector.0.utf8), seed: vector.1) == vector.2)
    }

    @Test("long inputs take the four-lane path (libxxhash, bytes 0..<100)")
    func longInput() {
        let bytes = (0..<100).map { UInt8($0) }
        #expect(StableHash.hash(bytes) == 0x6AC1_E580_3216_6597)
        #expect(StableHash.hash(bytes, seed: 1) == 0x3D19_A3A2_098A_7023)
    }
}
