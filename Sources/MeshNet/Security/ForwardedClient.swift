import NIOHTTP1

/// The original client address of a request, as AuthorizationPolicy `remoteIpBlocks` and `remote.ip`
/// see it: Istio's `numTrustedProxies` (Envoy's `xff_num_trusted_hops`).
///
/// With N trusted proxies in front of the gateway, the client is the Nth address from the right of
/// `X-Forwarded-For` as received (each trusted proxy appended the address it saw). With N = 0, with
/// fewer than N addresses, or when that entry is no IP address, it is the connection's peer.
enum ForwardedClient {
    static func address(headers: HTTPHeaders, peer: String?, trustedProxies: Int) -> String? {
        guard trustedProxies > 0, let forwarded = HeaderLookup.value(of: "x-forwarded-for", in: headers) else {
            return peer
        }
        let entries = forwarded.split(separator: ",", omittingEmptySubsequences: false)
        guard entries.count >= trustedProxies else { return peer }
        let candidate = String(ASCII.trimmed(entries[entries.count - trustedProxies]))
        return AuthorizationIPBlock.address(candidate) == nil ? peer : candidate
    }
}
