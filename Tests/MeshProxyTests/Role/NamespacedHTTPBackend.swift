import Foundation
import MeshTesting

#if canImport(Glibc)
    import Glibc
#endif

/// `OutboundNamespaceTests.backend` serving HTTP in a test's namespace: every GET gets `name`.
enum NamespacedHTTPBackend {
    /// Starts it and waits until it listens; the caller kills it (`signal(SIGKILL)`).
    static func start(
        in namespace: NetworkNamespace, directory: TemporaryDirectory, name: String, host: String = "127.0.0.1",
        port: Int = 8080
    ) async throws -> ChildProcess {
        try OutboundNamespaceTests.backend.write(toFile: directory.file("backend.py"), atomically: true, encoding: .utf8)
        let output = directory.file("backend-\(name).out")
        let backend = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "ip", "netns", "exec", namespace.name, "python3", directory.file("backend.py"), "http", name, host, "\(port)",
            ],
            standardOutput: output, standardError: output)
        do {
            try await eventually("the backend \(name)") {
                ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("ready")
            }
        } catch {
            backend.signal(SIGKILL)
            throw error
        }
        return backend
    }
}
