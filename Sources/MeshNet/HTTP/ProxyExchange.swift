import MeshModel
import NIOCore
import NIOHTTP1

/// One downstream request on its way through the proxy: routing, the attempts against upstream
/// endpoints (retries, timeouts, back-pressure), and the response back. Lives on the
/// connection's event loop and holds the compiled snapshot it started with, so a new snapshot
/// never changes a request half-way.
final class ProxyExchange {
    /// Strong: the handler lets go of its exchange when the response ends or the client leaves.
    let handler: HTTPProxyHandler
    let state: LoopState
    let config: CompiledSnapshot
    let downstreamHead: HTTPRequestHead
    let startTime: NIODeadline
    let startWallClock: Double
    /// A WebSocket handshake: forwarded with its upgrade headers; a 101 turns it into a tunnel.
    let upgrade: Bool

    // Routing
    /// A `let`: routing borrows it instead of copying it (a stored `var` of a class is copied
    /// for every call that takes it).
    let facts: RequestFacts
    /// The matched route. Its action (nil for redirects and direct responses) and clusters are
    /// read in place: copying `Snapshot.RouteAction` cost a dozen retains a request.
    var route: CompiledRoute?
    /// The index of the picked cluster in `route.clusters`, once one is picked.
    var clusterIndex: Int?
    var cluster: ClusterRuntime?
    var corsHeaders: HTTPHeaders?
    var upstreamHead: UpstreamRequestHead?
    /// The client's field lines as received (nil when the head came in pieces or over HTTP/2).
    let requestFields: FieldLines.Block?
    var hash: UInt64?
    /// The request's verified JWT (RequestAuthentication), and what it changes in the forwarded head.
    var jwtIdentity: JWTIdentity?
    var jwtEdits: JWTHeaderEdits?

    // Request body
    /// Body parts waiting for a connection (an array: no storage is allocated until one waits).
    var pending: [ByteBuffer] = []
    var replay: [ByteBuffer] = []
    var replayable = true
    var requestComplete = false
    var requestTrailers: HTTPHeaders?
    var bytesReceived = 0
    var upstreamNeedsFlush = false

    // Attempts
    var connection: UpstreamConnection?
    var pick: ClusterRuntime.Pick?
    /// Endpoints that failed this request, avoided by its retries; filled when a retry is
    /// scheduled, so that a request answered at the first try allocates nothing for it.
    var tried: [String] = []
    var retriesDone = 0
    var attemptStarted: NIODeadline?
    var routeTimer: Scheduled<Void>?
    var tryTimer: Scheduled<Void>?
    var retryTimer: Scheduled<Void>?
    var retryInFlight = false
    var reusedConnection = false
    var upstreamKeepAlive = true
    /// `address:port` of the endpoint that answered (or was tried last), for the access log.
    var lastUpstreamHost: String?

    // Response
    var responseStarted = false
    var responseStatus = 0
    var bytesSent = 0
    var flags = ResponseFlags()
    var upstreamServiceTime: TimeAmount?
    /// The upstream's 101 to an upgrade, waiting for its end to become a tunnel.
    var switchingHead: HTTPResponseHead?
    var finished = false
    var requestID = ""
    /// Envoy's `%RESPONSE_CODE_DETAILS%` where the proxy says more than the flags (a refused JWT).
    var responseDetails: String?

    init(
        handler: HTTPProxyHandler, head: HTTPRequestHead, upgrade: Bool = false, requestFields: FieldLines.Block? = nil
    ) {
        self.handler = handler
        self.upgrade = upgrade
        self.requestFields = requestFields
        self.state = handler.state
        self.config = handler.state.config
        self.downstreamHead = head
        self.startTime = .now()
        // Only the access log prints wall-clock time; without one, no clock read per request.
        self.startWallClock = handler.state.accessLog == nil ? 0 : AccessLogWriter.wallClockSeconds()
        self.facts = RequestFacts(
            head: head, scheme: handler.scheme, listenerPort: handler.listenerPort, sourceAddress: handler.sourceAddress)
    }

    // MARK: Routing

    func start() {
        // RequestAuthentication (Envoy's jwt_authn filter): 401 and false for an invalid token.
        guard authenticate() else { return }
        // AuthorizationPolicy (Envoy's RBAC filter, before the router): 403 and false when denied.
        guard authorize() else { return }
        guard let table = handler.routeTable(in: config) else {
            return localReply(.notFound, "no route\n", flag: .noRoute)
        }
        let matched: CompiledRoute
        switch table.match(facts) {
        case .route(let route, let virtualHost):
            if virtualHost.virtualHost.requireTLS && facts.scheme == "http",
                let location = virtualHost.tlsRedirectLocation(facts)
            {
                var headers = HTTPHeaders()
                headers.add(name: "location", value: location)
                return localReply(.movedPermanently, "", headers: headers)
            }
            matched = route
        case .noRoute(let virtualHost) where virtualHost.virtualHost.requireTLS && facts.scheme == "http":
            // A host served only to redirect (Istio's `httpsRedirect` server without routes): Envoy
            // redirects before routing, so it answers 301 too.
            guard let location = virtualHost.tlsRedirectLocation(facts) else {
                return localReply(.notFound, "no route\n", flag: .noRoute)
            }
            var headers = HTTPHeaders()
            headers.add(name: "location", value: location)
            return localReply(.movedPermanently, "", headers: headers)
        case .noVirtualHost, .noRoute:
            return localReply(.notFound, "no route\n", flag: .noRoute)
        }
        route = matched
        if let fault = matched.route.fault {
            let decision = fault.decide(using: &state.random)
            if let delay = decision.delay {
                flags.insert(.delayInjected)
                routeTimer = state.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in
                    routeTimer = nil
                    guard !finished else { return }
                    if let status = decision.abortStatus {
                        abortFault(status)
                    } else {
                        dispatch(matched)
                    }
                }
                return
            }
            if let status = decision.abortStatus { return abortFault(status) }
        }
        dispatch(matched)
    }

    private func abortFault(_ status: Int) {
        localReply(HTTPResponseStatus(statusCode: status), "fault filter abort\n", flag: .faultInjected)
    }

    private func dispatch(_ matched: CompiledRoute) {
        switch matched.route.action {
        case .redirect(let redirect):
            var headers = HTTPHeaders()
            headers.add(name: "location", value: matched.redirectLocation(facts))
            localReply(HTTPResponseStatus(statusCode: Int(redirect.responseCode)), "", headers: headers)
        case .directResponse(let direct):
            var headers = HTTPHeaders()
            matched.route.headers.applyToResponse(&headers)
            let body = direct.body.map { String(decoding: $0, as: UTF8.self) } ?? ""
            localReply(HTTPResponseStatus(statusCode: Int(direct.status)), body, headers: headers)
        case .route:
            forward(matched)
        }
    }

    private func forward(_ matched: CompiledRoute) {
        if let cors = matched.cors {
            // Built once with the route table (origin regexes compiled), not per request.
            let decision = cors.evaluate(facts)
            switch decision.action {
            case .answerPreflight: return localReply(CorsDecision.preflightStatus, "", headers: decision.headers)
            case .addToResponse: corsHeaders = decision.headers
            case .passThrough: break
            }
        }
        guard let index = matched.pickClusterIndex(using: &state.random) else {
            return localReply(.serviceUnavailable, "no cluster\n", flag: .noClusterFound)
        }
        guard let runtime = state.cluster(named: matched.clusters[index].name) else {
            return localReply(.serviceUnavailable, "no cluster\n", flag: .noClusterFound)
        }
        cluster = runtime
        clusterIndex = index
        if let policies = matched.routeAction?.hashPolicies, !policies.isEmpty {
            hash = RequestHash.compute(policies, facts: facts)
        }
        upstreamHead = makeUpstreamHead(matched)
        if let timeout = matched.routeAction?.timeout, timeout > .zero {
            routeTimer = state.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
                routeTimer = nil
                routeTimedOut()
            }
        }
        attempt()
    }

    private func makeUpstreamHead(_ matched: CompiledRoute) -> UpstreamRequestHead {
        let source = state.settings.addForwardedHeaders ? facts.sourceAddress : nil
        let uri = matched.rewrittenPath(facts) ?? downstreamHead.uri
        // Nothing edits the fields: the client's lines are copied, minus the ones dropped by
        // name, and the proxy's fields follow them.
        if let requestFields, !upgrade, !matched.editsRequests, matched.hostRewrite == nil, jwtEdits == nil,
            source != nil || !state.settings.addForwardedHeaders,
            let scan = HopByHopHeaders.scanForCopy(downstreamHead.headers, dropForwarded: source != nil),
            scan.requestID?.isEmpty != true
        {
            let added = proxyFields(scan: scan, source: source)
            return .forwarded(
                ForwardedRequestHead(
                    method: downstreamHead.method, uri: uri, lines: requestFields.bytes, canonical: requestFields.canonical,
                    dropped: [.hopByHop, .expect, .identity, source != nil ? .forwarded : []], added: added))
        }
        // One pass notes what the proxy extends, the next copies what is forwarded (no
        // hop-by-hop fields, no Expect, no identity fields) into an array with room for the
        // proxy's own fields.
        var (fields, scan) = HopByHopHeaders.forwardedFields(
            downstreamHead.headers, keepUpgrade: upgrade, dropExpect: true, dropForwarded: source != nil,
            dropIdentity: true, extraCapacity: 5)
        if scan.requestID?.isEmpty == true {
            // An empty id is replaced.
            fields.removeAll { ASCII.equalsIgnoringCase($0.0, lowercase: "x-request-id") }
        }
        proxyFields(scan: scan, source: source).append(to: &fields)
        var head = HTTPRequestHead(version: .http1_1, method: downstreamHead.method, uri: uri, headers: HTTPHeaders(fields))
        if let host = matched.hostRewrite { head.headers.replaceOrAdd(name: "host", value: host) }
        jwtEdits?.apply(to: &head.headers)
        if source == nil && state.settings.addForwardedHeaders {
            head.headers.replaceOrAdd(name: "x-forwarded-proto", value: facts.scheme)
        }
        matched.route.headers.applyToRequest(&head.headers)
        if let clusterIndex { matched.clusters[clusterIndex].headers.applyToRequest(&head.headers) }
        return .headers(head)
    }

    /// The fields the proxy adds to the forwarded ones: chunked framing for a chunked request,
    /// `X-Forwarded-For` (extended) and `X-Forwarded-Proto`, `X-Forwarded-Client-Cert` when the
    /// client presented a verified certificate, and a request id when the client sent none or an
    /// empty one (the exchange's `requestID` either way).
    private func proxyFields(scan: HopByHopHeaders.Scan, source: String?) -> ProxyRequestFields {
        var fields = ProxyRequestFields(chunked: scan.transferEncoding)
        fields.forwardedClientCert = handler.forwardedClientCert
        if let source {
            fields.forwardedFor = scan.forwardedFor.map { $0 + ", " + source } ?? source
            fields.forwardedProto = facts.scheme
        }
        if let id = scan.requestID, !id.isEmpty {
            requestID = id
        } else {
            requestID = RequestIDs.make(using: &state.random)
            fields.requestID = requestID
        }
        return fields
    }

    // MARK: Request body from downstream

    func requestBody(_ buffer: ByteBuffer) {
        guard !finished else { return }
        bytesReceived += buffer.readableBytes
        if let max = state.settings.maxRequestBodyBytes, bytesReceived > max {
            if responseStarted { return abandon(flag: .downstreamProtocolError) }
            return localReply(.payloadTooLarge, "request body too large\n", flag: .downstreamProtocolError)
        }
        if replayable {
            if bytesReceived <= state.settings.retryBufferBytes {
                replay.append(buffer)
            } else {
                replayable = false
                replay = []
            }
        }
        if let connection, !retryInFlight {
            connection.write(.body(.byteBuffer(buffer)))
            upstreamNeedsFlush = true
        } else {
            pending.append(buffer)
            // While no connection takes the body, stop reading more than the retry buffer holds.
            if pending.count > 16 { handler.setReading(false) }
        }
    }

    func requestEnd(_ trailers: HTTPHeaders?) {
        guard !finished else { return }
        requestComplete = true
        requestTrailers = trailers
        if let policies = route?.routeAction?.requestMirrorPolicies, !policies.isEmpty { startMirrors(policies) }
        if let connection, !retryInFlight {
            connection.write(.end(trailers))
            if handler.isReading {
                upstreamNeedsFlush = true  // flushed by the client's read-complete
            } else {
                connection.flush()
                upstreamNeedsFlush = false
            }
        }
    }

    func downstreamReadComplete() {
        if upstreamNeedsFlush, let connection {
            upstreamNeedsFlush = false
            connection.flush()
        }
    }

    func downstreamWritabilityChanged(_ writable: Bool) {
        connection?.setReading(writable)
    }

    func downstreamClosed() {
        guard !finished else { return }
        flags.insert(.downstreamConnectionTermination)
        if let connection {
            self.connection = nil
            cluster?.discard(connection)
        }
        finish(status: responseStarted ? responseStatus : 0)
    }

    /// Copies of the whole request to the mirror clusters; only bodies the retry buffer holds.
    private func startMirrors(_ policies: [Snapshot.MirrorPolicy]) {
        guard replayable, let upstreamHead else { return }
        let timeout = route?.routeAction?.timeout.map(TimeAmount.init) ?? .seconds(10)
        for policy in policies where policy.shouldMirror(using: &state.random) {
            guard let runtime = state.cluster(named: policy.cluster) else { continue }
            MirrorExchange(cluster: runtime, head: upstreamHead.head, body: replay).start(on: state.eventLoop, timeout: timeout)
        }
    }
}
