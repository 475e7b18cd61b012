import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// Who is on the other end of a downstream connection, read from its pipeline when authorization
/// needs it (never otherwise).
enum DownstreamPeer {
    /// The first SPIFFE ID (`spiffe://…` URI SAN) of the client certificate the connection's TLS
    /// verified, or nil without one. An HTTP/2 stream channel asks its parent connection.
    ///
    /// The first call on a connection reads the certificate BoringSSL keeps for it (the NIOSSL
    /// handler stays in the pipeline for the connection's life) and leaves the answer in a
    /// `PeerIdentityMemo` at the front of the pipeline; later requests on the connection read that.
    /// Call on the channel's event loop.
    static func spiffeID(of channel: any Channel) -> String? {
        for candidate in [channel, channel.parent].compactMap({ $0 }) where candidate.eventLoop.inEventLoop {
            let sync = candidate.pipeline.syncOperations
            if let memo = try? sync.handler(type: PeerIdentityMemo.self) { return memo.spiffeID }
            let presented: NIOSSLCertificate?
            do {
                presented = try sync.nioSSL_peerCertificate()
            } catch {
                continue  // no TLS on this channel: an HTTP/2 stream, whose parent has it
            }
            let id = presented.flatMap(spiffeID(in:))
            try? sync.addHandler(PeerIdentityMemo(spiffeID: id), position: .first)
            return id
        }
        return nil
    }

    private static func spiffeID(in presented: NIOSSLCertificate) -> String? {
        guard let certificate = try? Certificate(derEncoded: presented.toDERBytes()) else { return nil }
        return PeerIdentity.spiffeIDs(in: certificate).first
    }
}

/// The client identity of a TLS connection, once `DownstreamPeer` has read it; passes every event on.
final class PeerIdentityMemo: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let spiffeID: String?

    init(spiffeID: String?) {
        self.spiffeID = spiffeID
    }
}
