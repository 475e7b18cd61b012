@testable import MeshNet
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// The gateway's HTTP/1 parser on arbitrary bytes. Three invariants besides "no crash":
/// - the bytes in one read and the same bytes in two reads (split where the input says) give the
///   same messages and the same verdict — the parser is incremental, so where a read ends must
///   never matter (a smuggling bug often hides exactly there);
/// - a response head kept as raw bytes reads as the head the parser builds field by field;
/// - requests that both our parser and NIOHTTP1's decoder accept are the same requests to both.
enum HTTP1Fuzzing {
    /// One message part as the fuzzer compares them: bodies joined, heads as their fields.
    enum Part: Equatable {
        case head(String)
        case body([UInt8])
        case end(String)
        case failed
    }

    static func request(_ bytes: [UInt8]) {
        let whole = parse(bytes, kind: .request, splitAt: nil)
        let split = parse(bytes, kind: .request, splitAt: splitPoint(bytes))
        guard whole == split else { FuzzTarget.violated("a request reads differently in two reads: \(whole) vs \(split)") }
        let rawFields = parse(bytes, kind: .request, splitAt: nil, raw: true)
        guard whole == rawFields else { FuzzTarget.violated("keeping raw request fields changes the messages") }
        guard !whole.contains(.failed), let theirs = nioRequests(bytes) else { return }
        // NIOHTTP1 may stop earlier (it is llhttp, with its own limits); what both read must agree.
        let common = min(theirs.count, whole.count)
        guard Array(whole.prefix(common)) == Array(theirs.prefix(common)) else {
            FuzzTarget.violated("our parser and NIOHTTP1 disagree: \(whole) vs \(theirs)")
        }
    }

    static func response(_ bytes: [UInt8]) {
        let whole = parse(bytes, kind: .response, splitAt: nil)
        let split = parse(bytes, kind: .response, splitAt: splitPoint(bytes))
        guard whole == split else { FuzzTarget.violated("a response reads differently in two reads: \(whole) vs \(split)") }
        let raw = parse(bytes, kind: .response, splitAt: nil, raw: true)
        guard whole == raw else { FuzzTarget.violated("a raw response head reads differently: \(whole) vs \(raw)") }
    }

    /// Where the split variant ends its first read: chosen by the input's first byte, so that the
    /// fuzzer explores split points as it explores bytes.
    static func splitPoint(_ bytes: [UInt8]) -> Int {
        guard let first = bytes.first, bytes.count > 1 else { return 0 }
        return Int(first) * 7 % bytes.count
    }

    static func parse(_ bytes: [UInt8], kind: HTTP1Parser.Kind, splitAt: Int?, raw: Bool = false) -> [Part] {
        var parser = HTTP1Parser(kind: kind)
        parser.rawResponseHeads = raw && kind == .response
        parser.rawRequestFields = raw && kind == .request
        var parts: [Part] = []
        var buffer = ByteBuffer()
        let reads = splitAt.map { [Array(bytes[..<$0]), Array(bytes[$0...])] } ?? [bytes]
        do {
            for read in reads {
                buffer.writeBytes(read)
                while let event = try parser.next(&buffer) { append(event, to: &parts) }
                if parser.isUpgraded { return parts }
            }
            if let event = try parser.inputClosed() { append(event, to: &parts) }
        } catch {
            parts.append(.failed)
        }
        return parts
    }

    static func append(_ event: HTTP1Parser.Event, to parts: inout [Part]) {
        switch event {
        case .requestHead(let head): parts.append(.head(describe(head)))
        case .responseHead(let head): parts.append(.head(describe(head)))
        case .rawResponseHead(let head): parts.append(.head(describe(head.head())))
        case .body(let buffer): appendBody(Array(buffer.readableBytesView), to: &parts)
        case .end(let trailers): parts.append(.end(trailers.map(describe) ?? ""))
        }
    }

    static func appendBody(_ bytes: [UInt8], to parts: inout [Part]) {
        guard !bytes.isEmpty else { return }
        if case .body(let earlier)? = parts.last {
            parts[parts.count - 1] = .body(earlier + bytes)
        } else {
            parts.append(.body(bytes))
        }
    }

    static func describe(_ head: HTTPRequestHead) -> String {
        "\(head.method.rawValue) \(head.uri) \(head.version) \(describe(head.headers))"
    }

    static func describe(_ head: HTTPResponseHead) -> String {
        "\(head.status.code) \(head.version) \(describe(head.headers))"
    }

    /// Values without leading or trailing whitespace (RFC 9110 5.5: not part of the value), which
    /// our parser drops and NIOHTTP1 (llhttp) keeps after obs-text bytes.
    static func describe(_ headers: HTTPHeaders) -> String {
        headers.map { "\($0.name): \(trimmed($0.value))" }.joined(separator: "\n")
    }

    static func trimmed(_ value: String) -> Substring {
        var bytes = Substring(value)
        while let last = bytes.last, last == " " || last == "\t" { bytes.removeLast() }
        while let first = bytes.first, first == " " || first == "\t" { bytes.removeFirst() }
        return bytes
    }

    /// The requests NIOHTTP1's decoder reads from `bytes`, or nil when it refuses them.
    static func nioRequests(_ bytes: [UInt8]) -> [Part]? {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
        defer { _ = try? channel.finish() }
        var parts: [Part] = []
        do {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
                switch part {
                case .head(let head): parts.append(.head(describe(head)))
                case .body(let buffer): appendBody(Array(buffer.readableBytesView), to: &parts)
                case .end(let trailers): parts.append(.end(trailers.map(describe) ?? ""))
                }
            }
        } catch {
            return nil
        }
        return parts
    }
}
