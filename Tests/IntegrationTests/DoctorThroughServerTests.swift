import Foundation
import MeshTesting
import NIOCore
import NIOPosix
import Testing

@Suite("meshbox doctor through the real binary")
struct DoctorThroughServerTests {
    /// The rows of `meshbox doctor` for `check`, e.g. `file modes  fail  readable by others: …`.
    static func row(_ output: String, _ check: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix(check + " ") }.map(String.init)
            ?? "(no \(check) row in \(output))"
    }

    @Test("doctor passes a served data dir, and names a loose key mode, a taken port and a missing data dir")
    func findings() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let data = server.process.dataDirectory
        let port = try FreePort.take()
        let running = try await runMeshboxCLI(["doctor", "--data-dir", data, "--console-listen", "127.0.0.1:\(port)"])
        #expect(running.status == 0, "\(running.stdout)\(running.stderr)")
        #expect(Self.row(running.stdout, "running").contains("pid"), "\(running.stdout)")
        #expect(Self.row(running.stdout, "cert ca root-1").contains("ok"), "\(running.stdout)")
        #expect(Self.row(running.stdout, "port console").contains("127.0.0.1:\(port) is free"), "\(running.stdout)")
        #expect(await server.process.stop() == 0)

        // Stopped, with a key others can read and the console port taken by someone else.
        chmod(data + "/ca/root-1.key.pem", 0o644)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(
            host: "127.0.0.1",
            port: port
        ).get()
        let stopped = try await runMeshboxCLI(["doctor", "--data-dir", data, "--console-listen", "127.0.0.1:\(port)"])
        try await listener.close()
        #expect(stopped.status == 1)
        #expect(Self.row(stopped.stdout, "running").contains("no meshbox process"), "\(stopped.stdout)")
        let modes = Self.row(stopped.stdout, "file modes")
        #expect(modes.contains("fail") && modes.contains("root-1.key.pem (644)"), "\(stopped.stdout)")
        #expect(Self.row(stopped.stdout, "port console").contains("fail"), "\(stopped.stdout)")

        let missing = try await runMeshboxCLI([
            "doctor", "--data-dir", server.directory.file("nowhere"), "--console-listen", "127.0.0.1:0",
        ])
        #expect(missing.status == 1)
        #expect(Self.row(missing.stdout, "data dir").contains("no such directory"), "\(missing.stdout)")
    }
}
