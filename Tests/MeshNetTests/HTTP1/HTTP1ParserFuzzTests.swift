import Testing

@testable import MeshNet

/// Mutated valid messages: whatever the parser makes of them, it makes the same of them however
/// the bytes are split into reads, and it never reads out of bounds (debug builds check every
/// raw-buffer index).
@Suite("HTTP1Parser fuzzing")
struct HTTP1ParserFuzzTests {
    typealias Harness = HTTP1ParserHarness

    /// Bytes that matter to the grammar, so that mutations hit its edges.
    static let interesting: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x3B, 0x2C, 0x30, 0x31, 0x66, 0x00, 0x7F, 0x80, 0xFF, 0x48]

    static func mutate(_ input: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            let byte = interesting.randomElement(using: &generator)!
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[position] = byte
            case 1: bytes.insert(byte, at: position)
            default: if bytes.count > 1 { bytes.remove(at: position) }
            }
        }
        return bytes
    }

    @Test("mutated requests and responses give the same events or error whatever the split", arguments: [HTTP1Parser.Kind.request, .response])
    func splitsAgree(kind: HTTP1Parser.Kind) {
        let seeds: [[UInt8]] =
            kind == .request
            ? HTTP1ParserTests.examples.map { Array($0.input.utf8) }
            : HTTP1ParserResponseTests.examples.map { Array($0.input.utf8) }
        var generator = SplitMix64(seed: kind == .request ? 1 : 2)
        let limits = HTTP1ParserLimits(maxHeadBytes: 200, maxHeaderCount: 4)
        var errors = 0
        for round in 0..<1500 {
            let input = Self.mutate(seeds[round % seeds.count], using: &generator)
            let whole = Harness.run(input, kind: kind, limits: limits, close: true)
            let split = Harness.Split.random(seed: UInt64(round), max: 1 + round % 9)
            for other in [Harness.run(input, kind: kind, split: .byteByByte, limits: limits, close: true),
                          Harness.run(input, kind: kind, split: split, limits: limits, close: true)] {
                #expect(other.events == whole.events, "\(String(decoding: input, as: UTF8.self).debugDescription)")
                #expect(other.error?.status == whole.error?.status, "\(String(decoding: input, as: UTF8.self).debugDescription)")
                #expect(other.isUpgraded == whole.isUpgraded)
            }
            if whole.error != nil { errors += 1 }
        }
        #expect(errors > 100, "the mutations reach the error paths")
    }
}
