import Foundation
public import Logging
public import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Speaks the sd_notify protocol: datagrams to `$NOTIFY_SOCKET`. `READY=1` once every role
/// serves, `WATCHDOG=1` every half `$WATCHDOG_USEC`, `STOPPING=1` when shutdown begins.
/// Without `NOTIFY_SOCKET` (not under systemd) it does nothing.
public struct SystemdNotifier: Service {
    let socketPath: String?
    let watchdogInterval: Duration?
    let ready: @Sendable () async -> Void
    let logger: Logger

    /// - Parameter ready: returns once every role is serving.
    public init(environment: [String: String]? = nil, logger: Logger, ready: @escaping @Sendable () async -> Void) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        self.socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            // A watchdog for another process (WATCHDOG_PID set and not us) is not ours to feed.
            let pid = environment["WATCHDOG_PID"].flatMap { Int32($0) }
            self.watchdogInterval = (pid == nil || pid == getpid()) ? .microseconds(usec / 2) : nil
        } else {
            self.watchdogInterval = nil
        }
        self.ready = ready
        self.logger = logger
    }

    public func run() async throws {
        guard let socketPath else {
            try? await gracefulShutdown()
            return
        }
        await ready()
        send("READY=1\nSTATUS=serving", to: socketPath)
        logger.debug("Notified systemd of readiness", metadata: ["systemd.socket": "\(socketPath)"])
        await withGracefulShutdownHandler {
            guard let watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                send("WATCHDOG=1", to: socketPath)
                try? await Task.sleep(for: watchdogInterval)
            }
        } onGracefulShutdown: {
            send("STOPPING=1\nSTATUS=shutting down", to: socketPath)
        }
    }

    /// Sends one notification datagram. Failures are logged, never fatal: systemd may have gone.
    func send(_ message: String, to path: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else {
            logger.warning("Cannot create notify socket", metadata: ["error.errno": "\(errno)"])
            return
        }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        // A leading '@' names an abstract socket: its first byte is NUL on the wire.
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            logger.warning("Notify socket path too long", metadata: ["systemd.socket": "\(path)"])
            return
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                sendto(fd, bytes, bytes.count, 0, sockaddrPointer, length)
            }
        }
        if sent < 0 {
            logger.warning("Cannot notify systemd", metadata: ["systemd.socket": "\(path)", "error.errno": "\(errno)"])
        }
    }
}
