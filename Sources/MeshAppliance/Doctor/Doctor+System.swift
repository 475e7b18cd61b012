import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

extension Doctor {
    /// Each configured TCP listener's address can be bound. While meshbox runs, its own
    /// listeners hold them, so a taken port is then expected.
    static func ports(_ configuration: ApplianceConfiguration, running: Bool) async -> [Finding] {
        var listeners: [(String, String, Int)] = []
        if configuration.roles.contains(.console) {
            listeners.append(("console", configuration.consoleHost, configuration.consolePort))
        }
        if configuration.xds.enabled { listeners.append(("xds", configuration.xds.listen, configuration.xds.port)) }
        if configuration.roles.contains(.proxy) {
            listeners.append(("proxy outbound", "127.0.0.1", configuration.proxy.outboundPort))
        }
        var findings: [Finding] = []
        for (name, host, port) in listeners where port != 0 {
            let check = "port \(name)"
            do {
                let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .bind(host: host, port: port).get()
                try? await channel.close()
                findings.append(Finding(check, .ok, "\(host):\(port) is free"))
            } catch {
                findings.append(
                    running
                        ? Finding(check, .ok, "\(host):\(port) is taken (meshbox is running)")
                        : Finding(check, .fail, "\(host):\(port) cannot be bound: \(error)")
                )
            }
        }
        return findings
    }

    /// The kernel's view of time synchronisation (`adjtimex`, read only): an unsynchronised
    /// clock makes certificates look not yet valid or expired to peers.
    static func clock() -> Finding {
        // `struct timex` is not in the Glibc module: a zeroed buffer larger than it (modes 0 reads).
        typealias AdjustTime = @convention(c) (UnsafeMutableRawPointer) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "adjtimex") else {
            return Finding("clock", .warn, "cannot read the synchronisation state (no adjtimex)")
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 1024)
        let result = unsafeBitCast(symbol, to: AdjustTime.self)(buffer)
        let timeError: Int32 = 5
        if result == timeError {
            return Finding(
                "clock",
                .warn,
                "not synchronised (adjtimex: TIME_ERROR); enable NTP (timedatectl set-ntp true)"
            )
        }
        if result < 0 { return Finding("clock", .warn, "cannot read the synchronisation state: errno \(errno)") }
        return Finding("clock", .ok, "synchronised, now \(Date().formatted(Date.ISO8601FormatStyle()))")
    }

    /// With the proxy role configured, the tool its capture mode runs must be on PATH.
    static func natTools(_ configuration: ApplianceConfiguration) -> [Finding] {
        guard configuration.roles.contains(.proxy) else { return [] }
        let tool: String
        switch configuration.proxy.capture {
        case .iptables: tool = "iptables-restore"
        case .nftables: tool = "nft"
        default: return [Finding("nat tools", .ok, "capture: \(configuration.proxy.capture.rawValue) needs none")]
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        let found = (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"])
            .map { $0 + "/" + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
        return [
            found.map { Finding("nat tools", .ok, "\($0) (proxy.capture: \(configuration.proxy.capture.rawValue))") }
                ?? Finding(
                    "nat tools",
                    .fail,
                    "\(tool) not found; proxy.capture: \(configuration.proxy.capture.rawValue) needs it (apt install \(tool == "nft" ? "nftables" : "iptables"))"
                )
        ]
    }
}
