import Foundation
import MeshAPI
import MeshModel
import MeshRemote
import MeshTesting
import Testing

@Suite("hostile input through the real binary")
struct HostileInputThroughServerTests {
    /// Nine levels of ten aliases: about 450 bytes, 10⁹ strings once expanded.
    static let billionLaughs: String = {
        var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            lines.append(
                "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ",") + "]"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// The admin API's error for `body`, which must fail.
    func refusal(_ body: () async throws -> some Any) async -> AdminClientError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? AdminClientError
        }
    }

    // Each of these took the whole process down (gateway included) before issue 22.
    @Test("an absurd TTL, absurd route timeouts and an alias bomb are refused and the server keeps answering")
    func hostileInputIsRefused() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }

        let token = await refusal {
            try await server.client.createJoinToken(ttl: "99999999999999999999h", nodeName: "edge-1")
        }
        #expect(token?.status == 400)
        #expect(token?.message.contains("body.ttl") == true, "\(String(describing: token))")
        #expect(token?.message.contains("100 years") == true, "the reason, not only the field: \(String(describing: token))")

        let virtualService = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - timeout: 99999999999999999999s
                route: [{destination: {host: reviews}}]
            """
        let timeout = await refusal { try await server.client.apply(virtualService, dryRun: true) }
        // Validation failures are 422 with field paths (docs/api.md), other bad requests 400.
        #expect(timeout?.status == 422)
        #expect(
            timeout?.issues.map(\.description).contains(
                "VirtualService default/reviews: spec.http[0].timeout: invalid duration \"99999999999999999999s\", "
                    + "longer than the maximum 876600h (100 years)"
            ) == true,
            "\(String(describing: timeout))"
        )

        // A YAML 1.1 base-60 integer that overflows: Yams' arithmetic trapped on it.
        let baseSixty = await refusal {
            try await server.client.apply(
                virtualService.replacing("99999999999999999999s", with: "1:0:0:0:0:0:0:0:0:0:0:0")
            )
        }
        #expect(baseSixty?.status == 422)
        #expect(
            baseSixty?.issues.contains { $0.path == "spec.http[0].timeout" } == true,
            "\(String(describing: baseSixty))"
        )

        let bomb = await refusal { try await server.client.apply(Self.billionLaughs) }
        #expect(bomb?.status == 422)
        #expect(
            bomb?.description.contains("YAML anchors and aliases are not accepted") == true,
            "\(String(describing: bomb))"
        )

        // Still up, and nothing was applied.
        #expect(try await server.client.list(namespace: nil).items.isEmpty)
        let issued = try await server.client.createJoinToken(ttl: "5m", nodeName: "edge-1")
        #expect(!issued.token.isEmpty)
        await server.process.stop()
    }
}
