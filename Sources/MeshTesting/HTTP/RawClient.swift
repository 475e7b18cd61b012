import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends exact bytes to a port and reads what comes back until the peer closes or a quiet
/// period passes: for malformed and hostile requests no HTTP client library would send.
public enum RawClient {
    public struct Result: Sendable {
        /// Everything received.
        public var bytes: [UInt8]
        /// The peer closed the connection (rather than the read timing out).
        public var closedByPeer: Bool

        public var text: String { String(decoding: bytes, as: UTF8.self) }
        /// Status lines (`HTTP/1.x NNN `) received: the number of responses, whatever their bodies say.
        public var statusLineCount: Int {
            text.matches(of: try! Regex("HTTP/1\\.[01] [0-9]{3} ")).count
        }

        /// The status code of the first response, if any.
        public var firstStatus: Int? {
            guard text.hasPrefix("HTTP/1."), let line = text.split(separator: "\r\n").first else { return nil }
            let parts = line.split(separator: " ")
            return parts.count >= 2 ? Int(parts[1]) : nil
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs on its own thread so the blocking socket never stalls the cooperative pool.
    public static func exchange(port: Int, bytes: [UInt8], quietPeriod: Double = 2.0) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Swift.Result { try blockingExchange(port: port, bytes: bytes, quietPeriod: quietPeriod) })
            }
            thread.start()
        }
    }

    private static func blockingExchange(port: Int, bytes: [UInt8], quietPeriod: Double) throws -> Result {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: \(errno)") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: Int(quietPeriod), tv_usec: Int((quietPeriod - Double(Int(quietPeriod))) * 1e6))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect() to port \(port) failed: \(errno)") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { break }  // the peer may refuse half-way; read what it said
            offset += written
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return Result(bytes: received, closedByPeer: true) }
            if count < 0 {
                if errno == ECONNRESET { return Result(bytes: received, closedByPeer: true) }
                return Result(bytes: received, closedByPeer: false)
            }
            received += chunk[0..<count]
        }
    }
}
