import Foundation
import MeshTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw TimedOut("socket() failed: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw TimedOut("bind(\(path)) failed: \(errno)") }
    }

    /// The next datagram, or nil after `timeout`.
    func receive(timeout: Duration) -> String? {
        var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&pollDescriptor, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Receives until a datagram contains `text`; returns every datagram seen.
    func receive(until text: String, timeout: Duration) -> [String] {
        var seen: [String] = []
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            guard let message = receive(timeout: deadline - ContinuousClock.now) else { break }
            seen.append(message)
            if message.contains(text) { break }
        }
        return seen
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}

@Suite("meshbox serve under systemd (sd_notify)")
struct SystemdNotifyTests {
    @Test("READY=1 once serving, WATCHDOG=1 while running, STOPPING=1 on SIGTERM")
    func notifies() async throws {
        let directory = try TemporaryDirectory(prefix: "mbx-sd")
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.file("notify.sock"))
        let server = try await MeshboxProcess.serve(
            dataDirectory: directory.file("data"), environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "200000"])
        defer { server.kill() }

        let startup = socket.receive(until: "READY=1", timeout: .seconds(20))
        #expect(startup.last?.contains("READY=1") == true, "got \(startup)")
        // READY comes only after the admin API answers.
        #expect(FileManager.default.fileExists(atPath: directory.file("data/console.url")))
        let watchdog = socket.receive(until: "WATCHDOG=1", timeout: .seconds(5))
        #expect(watchdog.last == "WATCHDOG=1", "got \(watchdog)")
        let again = socket.receive(until: "WATCHDOG=1", timeout: .seconds(5))
        #expect(again.last == "WATCHDOG=1", "the watchdog keeps being fed")

        let status = await server.stop()
        let stopping = socket.receive(until: "STOPPING=1", timeout: .seconds(5))
        #expect(stopping.contains { $0.contains("STOPPING=1") }, "got \(stopping)")
        #expect(status == 0)
    }
}
