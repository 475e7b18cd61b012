import Foundation
import MeshTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The unit's sandbox, approximated without systemd (the test host runs none): meshbox as an
/// unprivileged user (nobody) with no new privileges, /proc mounted `subset=pid,hidepid=invisible`
/// (ProcSubset=pid, ProtectProc=invisible) in a mount namespace of its own, and only the
/// capabilities the unit grants.
@Suite("meshbox under the unit's sandbox")
struct PackagingSandboxTests {
    @Test("as nobody with only CAP_NET_BIND_SERVICE it serves a gateway port below 1024; without it the bind is refused", arguments: [true, false])
    func servesLowPortWithCapabilityOnly(granted: Bool) async throws {
        let directory = try TemporaryDirectory(prefix: "mbx-sandbox")
        defer { directory.remove() }
        chmod(directory.path, 0o755)
        let data = directory.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        #expect(chown(data, 65534, 65534) == 0)
        let port = try #require(Self.freeLowPort(), "no free port in 1000-1023")
        let resources = directory.file("gateway.yaml")
        try """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: low, namespace: default}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: low, namespace: default}
            spec:
              hosts: ["*"]
              gateways: [low]
              http:
              - directResponse: {status: 200, body: {string: "sandboxed"}}
            """.write(toFile: resources, atomically: true, encoding: .utf8)
        chmod(resources, 0o644)

        let capabilities = granted ? "-all,+net_bind_service" : "-all"
        let sandbox = """
            mount -t proc -o subset=pid,hidepid=invisible proc /proc && exec setpriv --reuid=65534 --regid=65534 --clear-groups \
            --inh-caps=$2 --ambient-caps=$2 --bounding-set=$2 --no-new-privs "$0" serve --roles all --data-dir "$1" \
            --console-listen 127.0.0.1:0 --gateway-listen 127.0.0.1 --apply "$3"
            """
        let log = directory.file("out")
        // unshare and sh exec, so the child's pid is meshbox's.
        let server = try ChildProcess(
            executable: "/usr/bin/unshare",
            arguments: ["--mount", "--propagation", "private", "sh", "-c", sandbox, MeshboxProcess.binaryPath(), data, capabilities, resources],
            standardOutput: log, standardError: log)
        defer {
            if server.isRunning { server.signal(SIGKILL) }
        }
        let output = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        try await eventually("meshbox to serve in the sandbox", timeout: .seconds(30)) {
            guard server.isRunning else { throw TimedOut("exited \(server.terminationStatus): \(output())") }
            return FileManager.default.fileExists(atPath: data + "/console.url")
        }
        let status = try String(contentsOfFile: "/proc/\(server.processIdentifier)/status", encoding: .utf8)
        #expect(status.contains("NoNewPrivs:\t1"), "no new privileges")
        #expect(status.contains("Uid:\t65534"), "runs as nobody")

        if granted {
            try await eventually("the gateway to answer on port \(port)", timeout: .seconds(15)) {
                try await Tool.run("curl", ["-s", "-m", "2", "http://127.0.0.1:\(port)/"]).output == "sandboxed"
            }
        } else {
            try await eventually("the gateway to give up the bind", timeout: .seconds(15)) {
                output().contains("Listener could not be bound")
            }
            #expect(output().contains("Permission denied"), "\(output())")
        }
        server.signal(SIGTERM)
        #expect(await server.exit(within: .seconds(15)) == 0, "\(output())")
    }

    /// A port below 1024 nothing listens on (on 127.0.0.1), found by binding it as root.
    static func freeLowPort() -> Int? {
        for port in (1000...1023).shuffled() {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        return nil
    }
}
