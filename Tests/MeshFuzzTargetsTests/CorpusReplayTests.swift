import Foundation
import MeshFuzzTargets
import Testing

/// Every input of the committed fuzz corpora (Fuzz/corpus/<target>/) through its target: the
/// inputs libFuzzer found interesting, and the crashes it found once (kept after the fix), stay
/// checked on every run without a fuzzing build.
@Suite("Fuzz corpora replay")
struct CorpusReplayTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    @Test("each target's corpus runs through it without a crash or a broken invariant", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let directory = Self.corpusRoot.appendingPathComponent(target.rawValue)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(!files.isEmpty, "no corpus for \(target.rawValue) at \(directory.path)")
        for file in files {
            target.run(Array(try Data(contentsOf: directory.appendingPathComponent(file))))
        }
    }
}
