import MeshNet
import MeshTesting
import NIOCore
import NIOHPACK
import Testing

/// Client → captured listener → tunnel pool → mTLS HTTP/2 CONNECT → tunnel server → echo backend.
@Suite("Tunnel relay")
struct TunnelRelayTests {
    @Test("bytes relay both ways through the tunnel, and the client's half-close travels to the backend and back")
    func relaysBothWays() async throws {
        try await TunnelTestBed.with { bed in
            let (_, server) = try await bed.startServer()
            let echo = try await bed.startEcho()
            let pool = bed.pool()
            let capture = try await bed.startCapture(
                pool: pool, target: try #require(echo.localAddress), node: try #require(server.localAddress),
                credentials: try bed.credentials(TunnelTestBed.clientID))
            // More than the stream windows, so flow control and back-pressure take part.
            let payload = ByteBuffer(bytes: (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            var received = try await bed.exchange(through: capture, payload: payload)
            let echoed = received.readSlice(length: payload.readableBytes)
            #expect(echoed == payload)
            #expect(String(buffer: received) == "END")
        }
    }

    @Test("the decision sees the client's SPIFFE ID, its Forwarded address, traceparent and the target")
    func decisionSeesIdentityAndHeaders() async throws {
        try await TunnelTestBed.with { bed in
            let (_, server) = try await bed.startServer()
            let echo = try await bed.startEcho()
            let target = try #require(echo.localAddress)
            let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            let capture = try await bed.startCapture(
                pool: bed.pool(), target: target, node: try #require(server.localAddress),
                credentials: try bed.credentials(TunnelTestBed.clientID),
                headers: HPACKHeaders([("traceparent", traceparent)]))
            let answer = try await bed.exchange(through: capture, payload: ByteBuffer(string: "hi"))
            #expect(String(buffer: answer) == "hiEND")
            let request = try await bed.firstRequest()
            #expect(request.peer.spiffeID == TunnelTestBed.clientID)
            #expect(request.target == target)
            #expect(request.forwarded == "for=127.0.0.1")
            #expect(request.forwardedFor == "127.0.0.1")
            #expect(request.traceparent == traceparent)
            #expect(request.source?.ipAddress == "127.0.0.1")
        }
    }

    @Test("a denied stream is answered 403 with the reason logged, and the client's connection closes")
    func deniedStream() async throws {
        try await TunnelTestBed.with { bed in
            let (server, listener) = try await bed.startServer { _ in .deny(reason: "no policy allows sa/productpage") }
            let echo = try await bed.startEcho()
            let capture = try await bed.startCapture(
                pool: bed.pool(), target: try #require(echo.localAddress), node: try #require(listener.localAddress),
                credentials: try bed.credentials(TunnelTestBed.clientID))
            let received = try await bed.exchange(through: capture, payload: ByteBuffer(string: "hi"))
            #expect(received.readableBytes == 0)
            let failure = try #require(try await bed.firstRelayFailure() as? TunnelError)
            #expect(failure.code == .refused)
            #expect(failure.status == 403)
            #expect(server.stats.denied == 1)
            let logged = bed.recorder.all.first { $0.message == "Tunnel stream denied" }
            #expect(logged?.metadata["tunnel.reason"] == "no policy allows sa/productpage")
            #expect(logged?.metadata["peer.identity"] == TunnelTestBed.clientID)
        }
    }

    @Test("a target that refuses the connection is answered 503, and the client's connection closes")
    func unreachableTarget() async throws {
        try await TunnelTestBed.with { bed in
            let (server, listener) = try await bed.startServer()
            let closedPort = try FreePort.take()
            let capture = try await bed.startCapture(
                pool: bed.pool(), target: try SocketAddress(ipAddress: "127.0.0.1", port: closedPort),
                node: try #require(listener.localAddress), credentials: try bed.credentials(TunnelTestBed.clientID))
            let received = try await bed.exchange(through: capture, payload: ByteBuffer(string: "hi"))
            #expect(received.readableBytes == 0)
            let failure = try #require(try await bed.firstRelayFailure() as? TunnelError)
            #expect(failure.status == 503)
            #expect(server.stats.unreachable == 1)
        }
    }

    @Test("resetting the stream closes the connection to the target")
    func resetPropagates() async throws {
        try await TunnelTestBed.with { bed in
            let (_, listener) = try await bed.startServer()
            let accepted = AcceptedChannels()
            let backend = try await accepted.listen(group: bed.group)
            let pool = bed.pool()
            let stream = try await pool.open(
                target: try #require(backend.localAddress), node: try #require(listener.localAddress),
                credentials: try bed.credentials(TunnelTestBed.clientID)
            ).get()
            let targetConnection = try await accepted.first()
            stream.cancel()
            try await bed.awaitClose(of: targetConnection, "the target connection to close after the reset")
        }
    }
}
