import GRPCCore
import MeshTesting
import Testing

@testable import MeshXDSServer

@Suite("The ADS listener's mutual TLS", .timeLimit(.minutes(1)))
struct ADSMutualTLSTests {
    typealias F = ADSFixtures

    @Test("a node with its join-flow certificate is served; another node's certificate, or none, is refused")
    func nodeIdentity() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-mtls")
        defer { directory.remove() }
        let pki = try await ADSTestPKI(directory: directory)
        let edge = try await pki.join("edge-9")
        try await ADSTestServer.with(SotWStreamMachineTests.mesh, security: pki.serverSecurity) { _, server, port in
            let names = try await ADSTestClient.sotw(port: port, security: pki.clientSecurity(edge)) { stream in
                try await stream.exchange(F.sotw(F.cluster, node: "edge-9")).names
            }
            #expect(names == ["a", "b"])

            // edge-9's certificate asking for edge-10's config.
            let impersonation = await #expect(throws: RPCError.self) {
                try await ADSTestClient.sotw(port: port, security: pki.clientSecurity(edge)) { stream in
                    try await stream.exchange(F.sotw(F.cluster, node: "edge-10")).names
                }
            }
            #expect(impersonation?.code == .permissionDenied)
            #expect(impersonation?.message.contains("spiffe://xds.test/ns/meshbox-system/sa/node-edge-10") == true)

            // No client certificate: the handshake fails.
            await #expect(throws: (any Error).self) {
                try await ADSTestClient.sotw(port: port, security: pki.clientSecurity(nil)) { stream in
                    try await stream.exchange(F.sotw(F.cluster, node: "edge-9")).names
                }
            }
            #expect(await server.status.node("edge-10") == nil)
        }
    }
}
