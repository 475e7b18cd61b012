#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Ports for listeners a test asks something else to bind later (a Gateway's server port, a
/// binary's flag). Binding port 0 and closing is racy there: the kernel hands the same
/// ephemeral range to every outgoing connection, so another test's client may take the port as
/// its source port before the listener binds it. These ports come from below the ephemeral
/// range (`/proc/sys/net/ipv4/ip_local_port_range`), each handed out once per process, and are
/// checked bindable on 127.0.0.1 before they are returned.
public enum FreePort {
    private static let next = Mutex<Int>(-1)

    /// A port on 127.0.0.1 that nothing listens on now and no other caller in this process got.
    public static func take() throws -> Int {
        let range = candidateRange()
        for _ in 0..<range.count {
            let port = next.withLock { cursor -> Int in
                // Start at a per-process random offset so parallel test processes rarely meet.
                if cursor < 0 { cursor = Int.random(in: 0..<range.count) }
                let port = range.lowerBound + cursor % range.count
                cursor += 1
                return port
            }
            if isBindable(port) { return port }
        }
        throw FreePortError.exhausted(range)
    }

    /// 10000 up to the start of the ephemeral range (32768 on a default Linux).
    static func candidateRange() -> Range<Int> {
        let ephemeralStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first }
            .flatMap { Int($0) } ?? 32768
        let upper = max(ephemeralStart, 20000)
        return 10000..<upper
    }

    private static func isBindable(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}

public enum FreePortError: Error, CustomStringConvertible {
    case exhausted(Range<Int>)

    public var description: String {
        switch self {
        case .exhausted(let range): "no bindable port left in \(range.lowerBound)..<\(range.upperBound) on 127.0.0.1"
        }
    }
}
