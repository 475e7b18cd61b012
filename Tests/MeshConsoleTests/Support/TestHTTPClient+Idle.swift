import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TestHTTPClient {
    /// How a connection that sent `bytes` (maybe nothing, maybe half a request head) and then
    /// waited ended: closed by the server (true), or still open when the 15 s read timeout ran out
    /// (false), which is the test's safety net, not its measure.
    /// `onAnswer` runs when the first bytes of an answer arrive.
    static func closedByServer(
        port: Int, after bytes: String = "", onAnswer: @escaping @Sendable () -> Void = {}
    ) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        let descriptor = try connectSocket(port: port)
                        defer { close(descriptor) }
                        let wire = Array(bytes.utf8)
                        if !wire.isEmpty {
                            let written = wire.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
                            guard written == wire.count else { throw Failure(description: "send() failed: \(errno)") }
                        }
                        var chunk = [UInt8](repeating: 0, count: 4096)
                        var answered = false
                        while true {
                            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                            if count == 0 { return true }
                            if count < 0 { return errno == ECONNRESET }
                            if !answered {
                                answered = true
                                onAnswer()
                            }
                        }
                    })
            }
            thread.start()
        }
    }
}
