#if canImport(Glibc)
    import Glibc
#endif
import MeshNet
import MeshTesting
import NIOCore
import Testing

/// Connection sharing, limits, idleness and socket marks of the outbound tunnel pool.
@Suite("Tunnel pool")
struct TunnelPoolTests {
    @Test("streams opened one after another share one connection: one handshake for many streams")
    func reuse() async throws {
        try await TunnelTestBed.with { bed in
            let (server, listener) = try await bed.startServer()
            let echo = try await bed.startEcho()
            let pool = bed.pool()
            let credentials = try bed.credentials(TunnelTestBed.clientID)
            for _ in 0..<5 {
                let stream = try await pool.open(
                    target: try #require(echo.localAddress), node: try #require(listener.localAddress),
                    credentials: credentials
                ).get()
                stream.cancel()
                try await stream.channel.closeFuture.get()
            }
            let stats = try await pool.stats().get()
            #expect(stats.streamsRequested == 5)
            #expect(stats.streamsEstablished == 5)
            #expect(stats.handshakes == 1)
            #expect(server.stats.handshakes == 1)
        }
    }

    @Test("101 concurrent streams take two connections, and another source identity gets its own")
    func limitPerConnection() async throws {
        try await TunnelTestBed.with { bed in
            let (server, listener) = try await bed.startServer()
            let echo = try await bed.startEcho()
            let pool = bed.pool()
            let credentials = try bed.credentials(TunnelTestBed.clientID)
            let target = try #require(echo.localAddress)
            let node = try #require(listener.localAddress)
            var opening: [EventLoopFuture<TunnelStream>] = []
            for _ in 0..<101 { opening.append(pool.open(target: target, node: node, credentials: credentials)) }
            var streams: [TunnelStream] = []
            for future in opening { streams.append(try await future.get()) }
            let parents = Set(streams.compactMap { stream in stream.channel.parent.map { ObjectIdentifier($0) } })
            #expect(parents.count == 2)
            var stats = try await pool.stats().get()
            #expect(stats.handshakes == 2)
            #expect(stats.openConnections == 2)

            let other = try bed.credentials("spiffe://mesh.local/ns/shop/sa/ratings")
            let third = try await pool.open(target: target, node: node, credentials: other).get()
            stats = try await pool.stats().get()
            #expect(stats.openConnections == 3)
            let thirdParent = try #require(third.channel.parent)
            #expect(!parents.contains(ObjectIdentifier(thirdParent)))
            #expect(server.stats.handshakes == 3)
            for stream in streams + [third] { stream.cancel() }
        }
    }

    @Test("a connection left without streams is closed after the pool's idle timeout")
    func clientIdleTimeout() async throws {
        try await TunnelTestBed.with { bed in
            let pool = bed.pool { $0.idleTimeout = .milliseconds(200) }
            let stream = try await bed.streamToEcho(through: pool)
            let connection = try #require(stream.channel.parent)
            stream.cancel()
            try await bed.awaitClose(of: connection, "the idle tunnel connection to close")
            #expect(try await pool.stats().get().openConnections == 0)
        }
    }

    @Test("the server closes a connection that has had no stream for its idle timeout")
    func serverIdleTimeout() async throws {
        try await TunnelTestBed.with { bed in
            var configuration = TunnelServer.Configuration()
            // Long enough for the first stream to open on a loaded machine; the close is awaited, not timed.
            configuration.connectionIdleTimeout = .seconds(1)
            let stream = try await bed.streamToEcho(through: bed.pool { $0.idleTimeout = nil }, configuration: configuration)
            let connection = try #require(stream.channel.parent)
            stream.cancel()
            try await bed.awaitClose(of: connection, "the server to close the idle tunnel connection")
        }
    }

    @Test("the pool's connections carry the dialer's socket mark")
    func socketMark() async throws {
        try await TunnelTestBed.with { bed in
            let stream = try await bed.streamToEcho(through: bed.pool { $0.dialer = UpstreamDialer(mark: 0x539) })
            let connection = try #require(stream.channel.parent)
            let mark = try await connection.getOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_MARK))).get()
            #expect(mark == 0x539)
            stream.cancel()
        }
    }

    @Test("renewed credentials are presented on the next connection, and the old identity's connection is not reused")
    func renewal() async throws {
        try await TunnelTestBed.with { bed in
            let (_, listener) = try await bed.startServer()
            let echo = try await bed.startEcho()
            let pool = bed.pool()
            let credentials = try bed.credentials(TunnelTestBed.clientID)
            let target = try #require(echo.localAddress)
            let node = try #require(listener.localAddress)
            let first = try await pool.open(target: target, node: node, credentials: credentials).get()
            #expect(try await bed.firstRequest().peer.spiffeID == TunnelTestBed.clientID)

            let renewedID = "spiffe://mesh.local/ns/shop/sa/productpage-v2"
            let leaf = try bed.authority.issue(spiffeID: renewedID)
            try credentials.update(
                TLSIdentity(
                    certificateChainPEM: try leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM,
                    trustBundlePEM: try bed.authority.certificatePEM))
            let second = try await pool.open(target: target, node: node, credentials: credentials).get()
            #expect(try await bed.firstRequest().peer.spiffeID == renewedID)
            let firstParent = try #require(first.channel.parent)
            let secondParent = try #require(second.channel.parent)
            #expect(firstParent !== secondParent)
            first.cancel()
            second.cancel()
        }
    }
}
