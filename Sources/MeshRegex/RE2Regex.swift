internal import CMeshRE2

/// A regular expression run by RE2: time linear in the input whatever the pattern, so a route
/// regex cannot stall an event loop (Swift's `Regex` backtracks: `(a|aa)+` takes seconds on a
/// few dozen bytes). The syntax is RE2's, as Istio and Envoy's `safe_regex` take it; what RE2
/// cannot run in linear time (backreferences, lookaround) does not compile.
///
/// Compiled once, then shared by every event loop: RE2 programs are immutable after compiling
/// and safe to match from several threads at once, which makes the `@unchecked Sendable` sound.
public final class RE2Regex: @unchecked Sendable {
    /// Why a pattern does not compile: RE2's own message (`invalid perl operator: (?=`,
    /// `invalid escape sequence: \1`, `pattern too large - compile failed`, …).
    public struct CompileError: Error, Sendable, Hashable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Memory one compiled program and its DFA caches may take (RE2's `max_mem`): a pattern whose
    /// program does not fit does not compile. RE2's default is 8 MiB; matching that runs out of
    /// DFA memory falls back to RE2's NFA, slower but still linear.
    public static let maxMemory: Int64 = 4 << 20
    /// The largest program, in RE2 instructions, a pattern may compile to: Istio's
    /// `re2.max_program_size.error_level` for its proxies.
    public static let maxProgramSize = 32_768

    public let pattern: String
    /// Capturing groups, group 0 (the whole match) not counted.
    public let captureCount: Int
    private let program: OpaquePointer

    private init(pattern: String, program: OpaquePointer) {
        self.pattern = pattern
        self.program = program
        self.captureCount = Int(meshre2_capture_count(program))
    }

    deinit {
        meshre2_free(program)
    }

    /// The compiled pattern, or RE2's reason for refusing it.
    public static func compile(_ pattern: String) -> Result<RE2Regex, CompileError> {
        var text = pattern
        var error: UnsafeMutablePointer<CChar>?
        let program = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { meshre2_compile($0.baseAddress, $0.count, maxMemory, &error) }
        }
        guard let program else {
            let message = error.map { String(cString: $0) } ?? "does not compile"
            meshre2_free_error(error)
            return .failure(CompileError(message: message))
        }
        let size = Int(meshre2_program_size(program))
        guard size <= maxProgramSize else {
            meshre2_free(program)
            return .failure(
                CompileError(message: "pattern too large: its program has \(size) instructions, at most \(maxProgramSize)"))
        }
        return .success(RE2Regex(pattern: pattern, program: program))
    }

    /// Whether the pattern matches all of `value` (RE2 `FullMatch`, as Envoy's `safe_regex`).
    public func matchesWhole(_ value: Substring) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { meshre2_full_match(program, $0.baseAddress, $0.count) }
        }
    }

    public func matchesWhole(_ value: String) -> Bool {
        matchesWhole(value[...])
    }

    /// One match: the text of each group.
    public struct Match {
        fileprivate let bytes: UnsafeBufferPointer<UInt8>
        fileprivate let spans: [Int64]

        /// Group `index` (0: the whole match); nil when there is no such group or it did not take part.
        public subscript(index: Int) -> Substring? {
            guard index >= 0, 2 * index + 1 < spans.count, spans[2 * index] >= 0 else { return nil }
            let range = Int(spans[2 * index])..<Int(spans[2 * index + 1])
            return Substring(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
    }

    /// `text` with every non-overlapping match replaced by what `replacement` makes of it, found
    /// left to right as RE2's `GlobalReplace` finds them (an empty match right after a match is
    /// skipped); `text` as it is when nothing matches.
    public func replacingMatches(in text: Substring, with replacement: (Match) -> String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            let base = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            let end = bytes.count
            var spans = [Int64](repeating: -1, count: 2 * (captureCount + 1))
            var output: [UInt8] = []
            var position = 0
            var lastEnd = -1
            var replaced = false
            while position <= end {
                let found = spans.withUnsafeMutableBufferPointer {
                    meshre2_search(program, base, end, position, $0.baseAddress, Int32(captureCount + 1))
                }
                guard found else { break }
                let start = Int(spans[0])
                let stop = Int(spans[1])
                output.append(contentsOf: bytes[position..<start])
                if start == stop && start == lastEnd {
                    // An empty match where the previous one ended: step over one character.
                    let step = position < end ? Self.scalarLength(bytes, position) : 1
                    if position < end { output.append(contentsOf: bytes[position..<(position + step)]) }
                    position += step
                    continue
                }
                output.append(contentsOf: replacement(Match(bytes: bytes, spans: spans)).utf8)
                position = stop
                lastEnd = stop
                replaced = true
            }
            guard replaced else { return String(decoding: bytes, as: UTF8.self) }
            if position < end { output.append(contentsOf: bytes[position..<end]) }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// The length of the UTF-8 sequence that starts at `index`.
    private static func scalarLength(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int {
        let lead = bytes[index]
        let length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        return min(length, bytes.count - index)
    }
}
