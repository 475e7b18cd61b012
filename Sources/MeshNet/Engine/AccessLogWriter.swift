import Foundation
import MeshModel
import NIOCore
import NIOHTTP1

/// Where access log lines go: a file opened for appending, or standard output. Shared by every
/// loop's writer; each write(2) carries whole lines, so loops never interleave within a line.
public final class AccessLogTarget: Sendable {
    let descriptor: Int32
    private let ownsDescriptor: Bool

    /// `path` is a file to append to, or `-`/`stdout` for standard output.
    public init(path: String) throws {
        if path == "-" || path == "stdout" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else {
                throw AccessLogError(message: "cannot open access log \(path): \(String(cString: strerror(errno)))")
            }
            descriptor = fd
            ownsDescriptor = true
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // a full disk or a closed pipe must not stop traffic
                }
                offset += written
            }
        }
    }
}

public struct AccessLogError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One event loop's access log: JSON lines with the fields of Envoy's default format, buffered
/// and written in batches (when 32 KiB are pending and once a second), never per request.
final class AccessLogWriter {
    private let target: AccessLogTarget
    private var buffer: [UInt8] = []

    init(target: AccessLogTarget) {
        self.target = target
        buffer.reserveCapacity(40 * 1024)
    }

    static func wallClockSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    func append(_ exchange: ProxyExchange, status: Int, duration: TimeAmount) {
        let head = exchange.downstreamHead
        var line = "{\"start_time\":\""
        line += Self.timestamp(exchange.startWallClock)
        line += "\",\"method\":\""
        line += head.method.rawValue
        line += "\",\"path\":"
        Self.appendJSONString(head.uri, to: &line)
        // Envoy's %PROTOCOL%: HTTP/1.0, HTTP/1.1, HTTP/2.
        line += head.version.major == 2 ? ",\"protocol\":\"HTTP/2\"" : ",\"protocol\":\"HTTP/\(head.version.major).\(head.version.minor)\""
        line += ",\"response_code\":\(status)"
        line += ",\"response_flags\":\"\(exchange.flags.text)\""
        if let details = exchange.responseDetails {
            line += ",\"response_code_details\":"
            Self.appendJSONString(details, to: &line)
        }
        line += ",\"bytes_received\":\(exchange.bytesReceived),\"bytes_sent\":\(exchange.bytesSent)"
        line += ",\"duration\":\(duration.nanoseconds / 1_000_000)"
        if let time = exchange.upstreamServiceTime {
            line += ",\"upstream_service_time\":\(time.nanoseconds / 1_000_000)"
        }
        line += ",\"upstream_host\":"
        Self.appendJSONString(exchange.lastUpstreamHost, to: &line)
        line += ",\"upstream_cluster\":"
        Self.appendJSONString(exchange.cluster?.name, to: &line)
        line += ",\"route_name\":"
        Self.appendJSONString(exchange.route?.route.name, to: &line)
        line += ",\"authority\":"
        Self.appendJSONString(head.headers.first(name: "host"), to: &line)
        line += ",\"downstream_remote_address\":"
        Self.appendJSONString(exchange.facts.sourceAddress, to: &line)
        line += ",\"x_forwarded_for\":"
        Self.appendJSONString(head.headers.first(name: "x-forwarded-for"), to: &line)
        line += ",\"user_agent\":"
        Self.appendJSONString(head.headers.first(name: "user-agent"), to: &line)
        line += ",\"request_id\":"
        Self.appendJSONString(exchange.requestID.isEmpty ? nil : exchange.requestID, to: &line)
        line += "}\n"
        buffer.append(contentsOf: line.utf8)
        if buffer.count >= 32 * 1024 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        target.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// `2026-11-22T09:30:00.123Z`.
    static func timestamp(_ seconds: Double) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((seconds - Double(time)) * 1000)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// A JSON string literal, or `null`.
    static func appendJSONString(_ value: String?, to line: inout String) {
        guard let value else {
            line += "null"
            return
        }
        line += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}
