import Testing

@testable import MeshNet

@Suite("RequestIDs")
struct RequestIDsTests {
    @Test("ids are version-4 UUIDs in lower-case hexadecimal, 8-4-4-4-12, and differ")
    func format() {
        var random = FastRandom(seed: 42)
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = RequestIDs.make(using: &random)
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            for (index, byte) in bytes.enumerated() {
                if [8, 13, 18, 23].contains(index) {
                    #expect(byte == UInt8(ascii: "-"), "\(id)")
                } else {
                    #expect("0123456789abcdef".utf8.contains(byte), "\(id)")
                }
            }
            #expect(bytes[14] == UInt8(ascii: "4"), "version 4: \(id)")
            #expect("89ab".utf8.contains(bytes[19]), "variant 10: \(id)")
            seen.insert(id)
        }
        #expect(seen.count == 1000)
    }
}
