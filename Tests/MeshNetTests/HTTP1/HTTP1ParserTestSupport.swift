import NIOCore
import NIOHTTP1

@testable import MeshNet

/// Runs an `HTTP1Parser` over input cut into pieces, the way reads arrive on a connection, and
/// renders its events as lines (consecutive bodies merged, so that any split gives the same lines).
enum HTTP1ParserHarness {
    /// How the input is cut into reads.
    enum Split: CustomStringConvertible, Sendable {
        case whole
        case byteByByte
        /// Random piece lengths of 1...max from a seeded generator.
        case random(seed: UInt64, max: Int)

        var description: String {
            switch self {
            case .whole: "whole"
            case .byteByByte: "byte by byte"
            case .random(let seed, let max): "random(seed \(seed), ≤\(max))"
            }
        }

        static let all: [Split] = [.whole, .byteByByte] + (1...6).map { .random(seed: $0, max: Int($0) * 7) }
    }

    /// What a run produced: the rendered events, the error that stopped it, and the parser's end state.
    struct Outcome {
        var events: [String] = []
        var error: HTTP1ParseError?
        /// Bytes left unconsumed in the buffer.
        var leftover = ""
        var isUpgraded = false
        var isIdle = false
        /// Heads that came as `.rawResponseHead` (rendered like the others).
        var rawHeads = 0
    }

    static func pieces(_ bytes: [UInt8], _ split: Split) -> [[UInt8]] {
        switch split {
        case .whole:
            return [bytes]
        case .byteByByte:
            return bytes.map { [$0] }
        case .random(let seed, let max):
            var generator = SplitMix64(seed: seed)
            var pieces: [[UInt8]] = []
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 1...max, using: &generator))
                pieces.append(Array(bytes[start..<end]))
                start = end
            }
            return pieces
        }
    }

    /// Feeds `input` split as told, calling `next` until nil after each read, then (when `close`)
    /// `inputClosed`. The read part of the buffer is discarded now and then, as a cumulation buffer does.
    static func run(
        _ input: String,
        kind: HTTP1Parser.Kind = .request,
        split: Split = .whole,
        limits: HTTP1ParserLimits = .init(),
        answersHEAD: Bool = false,
        close: Bool = false,
        rawHeads: Bool = false
    ) -> Outcome {
        run(
            Array(input.utf8), kind: kind, split: split, limits: limits, answersHEAD: answersHEAD, close: close,
            rawHeads: rawHeads)
    }

    static func run(
        _ input: [UInt8],
        kind: HTTP1Parser.Kind = .request,
        split: Split = .whole,
        limits: HTTP1ParserLimits = .init(),
        answersHEAD: Bool = false,
        close: Bool = false,
        rawHeads: Bool = false
    ) -> Outcome {
        var parser = HTTP1Parser(kind: kind, limits: limits)
        parser.nextResponseAnswersHEAD = answersHEAD
        parser.rawResponseHeads = rawHeads
        var buffer = ByteBuffer()
        var outcome = Outcome()
        do throws(HTTP1ParseError) {
            for (index, piece) in pieces(input, split).enumerated() {
                buffer.writeBytes(piece)
                while let event = try parser.next(&buffer) {
                    if case .rawResponseHead = event { outcome.rawHeads += 1 }
                    append(event, to: &outcome.events)
                }
                if index % 5 == 4 { buffer.discardReadBytes() }
            }
            if close, let event = try parser.inputClosed() { append(event, to: &outcome.events) }
        } catch {
            outcome.error = error
        }
        outcome.leftover = String(buffer: buffer)
        outcome.isUpgraded = parser.isUpgraded
        outcome.isIdle = parser.isIdle
        return outcome
    }

    static func append(_ event: HTTP1Parser.Event, to events: inout [String]) {
        let line = render(event)
        if line.hasPrefix("body "), let last = events.last, last.hasPrefix("body ") {
            events[events.count - 1] = last + line.dropFirst(5)
        } else {
            events.append(line)
        }
    }

    static func render(_ event: HTTP1Parser.Event) -> String {
        switch event {
        case .requestHead(let head):
            return (["\(head.method.rawValue) \(head.uri) \(head.version)"] + fields(head.headers)).joined(separator: " | ")
        case .responseHead(let head):
            return (["\(head.version) \(head.status.code) \(head.status.reasonPhrase)"] + fields(head.headers))
                .joined(separator: " | ")
        case .rawResponseHead(let head):
            return render(.responseHead(head.head()))
        case .body(let body):
            // One character per byte (Latin-1), so that a split inside a UTF-8 sequence renders the same.
            return "body " + String(String.UnicodeScalarView(body.readableBytesView.map { Unicode.Scalar($0) }))
        case .end(let trailers):
            return (["end"] + (trailers.map(fields) ?? [])).joined(separator: " | ")
        }
    }

    static func fields(_ headers: HTTPHeaders) -> [String] {
        headers.map { "\($0.name): \($0.value)" }
    }
}
