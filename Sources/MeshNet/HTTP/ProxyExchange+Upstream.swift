import MeshModel
import NIOCore
import NIOHTTP1

extension ProxyExchange: UpstreamExchange {
    // MARK: Attempts

    /// Sends the request to one endpoint: the first try, or a retry after `retryInFlight`.
    func attempt() {
        guard !finished, let cluster else { return }
        let now = NIODeadline.now()
        guard let pick = cluster.pickEndpoint(hash: hash, tried: tried, now: now) else {
            if retriesDone > 0 { flags.insert(.upstreamRetryLimitExceeded) }
            return localReply(.serviceUnavailable, "no healthy upstream\n", flag: .noHealthyUpstream)
        }
        guard cluster.breaker.canStartRequest() else {
            return localReply(.serviceUnavailable, "upstream overflow\n", flag: .upstreamOverflow)
        }
        cluster.breaker.requestStarted()
        pick.started()
        let picked = pick.endpoint
        self.pick = pick
        lastUpstreamHost = picked.key
        attemptStarted = now
        if let perTry = route?.routeAction?.retryPolicy?.perTryTimeout, perTry > .zero {
            tryTimer = state.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(perTry)) { [self] in
                tryTimer = nil
                tryTimedOut()
            }
        }
        // WebSocket upgrades need HTTP/1.1 even to an HTTP/2 cluster.
        if let pooled = cluster.idleConnection(for: picked, http1: upgrade, clientHTTP2: handler.http2) {
            return attach(pooled, reused: true)
        }
        cluster.acquire(picked, http1: upgrade, clientHTTP2: handler.http2) { [self] result, reused in
            switch result {
            case .success(let connection):
                attach(connection, reused: reused)
            case .failure(ProxyFailure.overflow):
                endAttempt(.connectFailure, record: false)
                localReply(.serviceUnavailable, "upstream overflow\n", flag: .upstreamOverflow)
            case .failure:
                guard !finished, self.pick?.endpoint == picked else { return }
                endAttempt(.connectFailure)
                if retryAllowed(conditions()?.retriesConnectFailure ?? false) {
                    scheduleRetry()
                } else {
                    localReply(
                        .serviceUnavailable, "upstream connect error or disconnect/reset before headers\n",
                        flag: .upstreamConnectionFailure)
                }
            }
        }
    }

    private func attach(_ connection: UpstreamConnection, reused: Bool) {
        guard !finished, let upstreamHead else {
            cluster?.release(connection)
            return
        }
        self.connection = connection
        retryInFlight = false
        connection.handler.exchange = self
        connection.requestCount += 1
        reusedConnection = reused
        if case .forwarded(let forwarded) = upstreamHead, let codec = connection.codec {
            codec.writeHead(forwarded)
        } else {
            connection.write(.head(upstreamHead.head))
        }
        if !pending.isEmpty {
            for part in pending { connection.write(.body(.byteBuffer(part))) }
            pending.removeAll()
        }
        handler.setReading(true)
        if requestComplete {
            connection.write(.end(requestTrailers))
        }
        // From the pool, inside the client's read: the read-complete flushes, batching requests.
        if reused && handler.isReading {
            upstreamNeedsFlush = true
        } else {
            connection.flush()
        }
        connection.setReading(handler.isWritable)
    }

    /// Ends the current attempt's bookkeeping; `record` feeds the outlier detector.
    func endAttempt(_ outcome: UpstreamOutcome, record: Bool = true) {
        tryTimer?.cancel()
        tryTimer = nil
        guard let cluster, let pick else { return }
        self.pick = nil
        cluster.breaker.requestFinished()
        pick.finished()
        if record, let outlier = cluster.outlier {
            outlier.record(outcome, for: pick.endpoint.key, now: .now())
        }
    }

    func conditions() -> RetryConditions? {
        route?.routeAction?.retryPolicy.map { RetryConditions($0.retryOn) }
    }

    /// Whether one more attempt may run for a failure `matches` covers.
    func retryAllowed(_ matches: Bool) -> Bool {
        guard matches, let policy = route?.routeAction?.retryPolicy, !responseStarted, replayable, let cluster else {
            return false
        }
        guard retriesDone < Int(policy.numRetries) else {
            flags.insert(.upstreamRetryLimitExceeded)
            return false
        }
        return cluster.breaker.canRetry()
    }

    /// Waits the back-off (Envoy's: full jitter over base × 2^n, capped) and tries again.
    /// - Parameter avoidLast: the retry prefers endpoints other than the one that just failed.
    func scheduleRetry(avoidLast: Bool = true) {
        guard let cluster else { return }
        if avoidLast, let last = lastUpstreamHost { tried.append(last) }
        retriesDone += 1
        retryInFlight = true
        cluster.breaker.retryStarted()
        pending = replay
        let policy = route?.routeAction?.retryPolicy
        let base = policy?.backoffBaseInterval.map(TimeAmount.init) ?? .milliseconds(25)
        let ceiling = RetryBackoff.ceiling(
            base: base.nanoseconds, cap: policy?.backoffMaxInterval.map { TimeAmount($0).nanoseconds },
            retriesDone: retriesDone)
        let delay = TimeAmount.nanoseconds(Int64(state.random.next() % UInt64(ceiling)))
        retryTimer = state.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            retryTimer = nil
            cluster.breaker.retryFinished()
            attempt()
        }
    }

    /// Gives up the current connection without reusing it (its response is not wanted).
    func dropConnection() {
        if let connection {
            self.connection = nil
            cluster?.discard(connection)
        }
    }

    // MARK: From the upstream connection

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        switch part {
        case .head(let head):
            let status = Int(head.status.code)
            if status == 101 && upgrade {
                // The WebSocket handshake succeeded: the end that follows starts the tunnel.
                if let started = attemptStarted { upstreamServiceTime = .now() - started }
                endAttempt(.success)
                responseStarted = true
                responseStatus = status
                switchingHead = head
                return
            }
            if status < 200 { return }  // 1xx: the decoder drops them; 101 only to an upgrade
            guard startResponse(status: status) else { return }
            handler.writeHead(makeDownstreamHead(head))
        case .body(let buffer):
            bytesSent += buffer.readableBytes
            handler.writeBody(buffer)
        case .end(let trailers):
            guard let connection else { return }
            self.connection = nil
            connection.handler.exchange = nil
            if let switchingHead {
                return startTunnel(connection, switchingHead)
            }
            let keep = upstreamKeepAlive && requestComplete
            // Streams of one HTTP/2 client connection whose responses end in this upstream read
            // leave in one write, flushed at its read-complete. An HTTP/1 client's connection
            // carries this response alone: it is flushed now, and the bookkeeping below (pool,
            // metrics, log) runs while the client reads it, not before.
            handler.writeEnd(trailers: trailers, flushLater: keep && handler.http2 ? connection.handler : nil)
            if keep {
                cluster?.release(connection)
            } else {
                cluster?.discard(connection)
            }
            finish(status: responseStatus)
        }
    }

    /// A final HTTP/1 head with its fields as received: copied to an HTTP/1.1 client as it is,
    /// but for its hop-by-hop fields, when nothing edits responses on this route (header rules,
    /// CORS, compression); otherwise it goes the way of every other head.
    func upstreamReceivedHead(_ head: RawResponseHead) {
        guard let route, !route.editsResponses, corsHeaders == nil, !head.notes.needsHeaders, !upgrade,
            downstreamHead.version == .http1_1, handler.forwardsRawHeads
        else {
            return upstreamReceived(.head(head.head()))
        }
        guard startResponse(status: Int(head.status.code)) else { return }
        upstreamKeepAlive = head.persists
        handler.writeHead(head, upstreamServiceTime: upstreamServiceTime)
    }

    /// A final status arrived: ends the attempt, and either retries (false) or starts the
    /// response to the client (true).
    private func startResponse(status: Int) -> Bool {
        if let started = attemptStarted { upstreamServiceTime = .now() - started }
        if status >= 500 || (status == 409) {
            if retryAllowed(conditions()?.retries(status: status) ?? false) {
                endAttempt(.httpError(status: status))
                dropConnection()
                scheduleRetry()
                return false
            }
        }
        endAttempt(status >= 500 ? .httpError(status: status) : .success)
        responseStarted = true
        responseStatus = status
        return true
    }

    /// Hands both connections over to a byte relay after the upstream's 101.
    private func startTunnel(_ connection: UpstreamConnection, _ switching: HTTPResponseHead) {
        cluster?.detachForTunnel(connection)
        let head = makeDownstreamHead(switching, keepUpgrade: true)
        finish(status: responseStatus)
        handler.upgraded(upstream: connection.channel, head: head)
    }

    func upstreamReadComplete() {
        if responseStarted { handler.flush() }
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        handler.setReading(writable)
    }

    func upstreamClosed(_ closed: UpstreamConnection) {
        guard !finished, closed === connection else { return }
        connection = nil
        cluster?.discard(closed)
        if responseStarted {
            // The body broke off: the client must not take a truncated response as complete.
            flags.insert(.upstreamConnectionTermination)
            return abandon(flag: .upstreamConnectionTermination)
        }
        endAttempt(.reset)
        // A pooled connection the upstream closed while idle: one quiet retry for idempotent requests.
        let staleReuse = reusedConnection && downstreamHead.method.isIdempotent && replayable && retriesDone == 0
        if staleReuse || retryAllowed(conditions()?.retriesReset ?? false) {
            // A stale pooled connection says nothing about its endpoint: any may be tried again.
            if staleReuse { tried.removeAll() }
            return scheduleRetry(avoidLast: !staleReuse)
        }
        localReply(
            .serviceUnavailable, "upstream connect error or disconnect/reset before headers\n",
            flag: .upstreamConnectionTermination)
    }

    func upstreamFailed(_ error: any Error) {
        if !responseStarted, connection != nil { flags.insert(.upstreamProtocolError) }
    }

    // MARK: Timeouts

    func tryTimedOut() {
        guard !finished, !responseStarted else { return }
        endAttempt(.timeout)
        dropConnection()
        if retryAllowed(conditions()?.retriesTimeout ?? true) {
            return scheduleRetry()
        }
        localReply(.gatewayTimeout, "upstream request timeout\n", flag: .upstreamRequestTimeout)
    }

    func routeTimedOut() {
        guard !finished else { return }
        if responseStarted { return abandon(flag: .upstreamRequestTimeout) }
        endAttempt(.timeout)
        dropConnection()
        localReply(.gatewayTimeout, "upstream request timeout\n", flag: .upstreamRequestTimeout)
    }

    // MARK: Responses

    private func makeDownstreamHead(_ upstream: HTTPResponseHead, keepUpgrade: Bool = false) -> HTTPResponseHead {
        // The pass that drops hop-by-hop fields reads Connection: whether the upstream keeps it.
        var (fields, scan) = HopByHopHeaders.forwardedFields(upstream.headers, keepUpgrade: keepUpgrade, extraCapacity: 2)
        upstreamKeepAlive = scan.persists(upstream.version)
        if let upstreamServiceTime {
            // Added with the forwarded fields, so the route's response header rules apply to it too.
            fields.append(("x-envoy-upstream-service-time", String(upstreamServiceTime.nanoseconds / 1_000_000)))
        }
        var head = HTTPResponseHead(version: downstreamHead.version, status: upstream.status, headers: HTTPHeaders(fields))
        if let route { route.route.headers.applyToResponse(&head.headers) }
        if let route, let clusterIndex { route.clusters[clusterIndex].headers.applyToResponse(&head.headers) }
        if let corsHeaders {
            for (name, value) in corsHeaders { head.headers.replaceOrAdd(name: name, value: value) }
        }
        if let policy = route?.route.compression,
            ResponseCompression.qualifies(head, policy: policy, method: downstreamHead.method)
        {
            head.headers.add(name: ResponseCompression.marker, value: "1")
        }
        return head
    }

    /// Answers from the proxy itself and ends the exchange.
    func localReply(_ status: HTTPResponseStatus, _ body: String, flag: ResponseFlags = [], headers: HTTPHeaders = [:]) {
        guard !finished else { return }
        flags.formUnion(flag)
        dropConnection()
        if responseStarted { return abandon(flag: flag) }
        responseStarted = true
        responseStatus = Int(status.code)
        bytesSent = body.utf8.count
        var headers = headers
        if let route, !route.route.headers.responseHeadersToAdd.isEmpty || !route.route.headers.responseHeadersToRemove.isEmpty {
            route.route.headers.applyToResponse(&headers)
        }
        handler.sendLocalReply(status, body: body, head: downstreamHead, headers: headers)
        finish(status: responseStatus)
    }

    /// Ends a response that cannot complete: the downstream connection is closed.
    func abandon(flag: ResponseFlags) {
        guard !finished else { return }
        flags.formUnion(flag)
        dropConnection()
        handler.abortResponse()
        finish(status: responseStatus)
    }

    /// Bookkeeping when the exchange is over, however it ended.
    func finish(status: Int) {
        guard !finished else { return }
        finished = true
        routeTimer?.cancel()
        tryTimer?.cancel()
        retryTimer?.cancel()
        if retryInFlight { cluster?.breaker.retryFinished() }
        endAttempt(.reset, record: false)
        let now = NIODeadline.now()
        let duration = now - startTime
        state.metrics.record(
            service: cluster?.cluster.serviceHost, status: status, flags: flags, duration: duration,
            requestBytes: bytesReceived, responseBytes: bytesSent, at: now)
        state.accessLog?.append(self, status: status, duration: duration)
    }
}

extension HTTPMethod {
    /// `== .HEAD` and `== .CONNECT` compare raw-value strings; these match the case.
    var isHEAD: Bool {
        if case .HEAD = self { return true }
        return false
    }

    var isCONNECT: Bool {
        if case .CONNECT = self { return true }
        return false
    }

    /// RFC 9110's idempotent methods: safe to send again after a stale pooled connection.
    var isIdempotent: Bool {
        switch self {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE: true
        default: false
        }
    }
}
