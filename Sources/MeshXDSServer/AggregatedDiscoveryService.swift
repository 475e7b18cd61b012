import GRPCCore
import Logging
import MeshAPI
import MeshCore
public import MeshModel
import MeshXDSProto
import Synchronization

/// Turns a node's snapshot into what the ADS server serves it.
public typealias XDSTranslate = @Sendable (Snapshot, DataPlaneNode) -> XDSServedResources

/// The ADS service: each stream subscribes to its node's snapshots and runs a stream machine.
///
/// Per stream (xds-subset.md §10): one task reads requests, one relays "snapshot changed" (the
/// newest only), both into one event stream; a single loop handles the events in order and is
/// the only writer of responses. Requests that arrive before the node's first snapshot wait for it.
struct AggregatedDiscoveryService: Envoy_Service_Discovery_V3_AggregatedDiscoveryService.SimpleServiceProtocol {
    let source: any SnapshotSource
    let translations: XDSTranslationCache
    let board: XDSNodeStatusBoard
    /// nil: no mTLS (the loopback test setting).
    let peerIdentity: XDSPeerIdentity?
    /// Each Envoy node's own workload certificate (`default`); nil: Envoy nodes get none.
    let identities: XDSEnvoyIdentities?
    let logger: Logger

    /// Requests a stream may have read but not handled: the reader reads ahead of the writer (which
    /// waits on flow control), so a client that sends without reading responses would otherwise grow
    /// the queue without bound. Past it the stream ends with `resource_exhausted`.
    static let maxQueuedRequests = 256
    /// Requests held before the node's first snapshot.
    static let maxWaitingRequests = 64
    /// Resource names one stream may hold subscribed over all its types: far above a real node
    /// (one EDS name per cluster; a 10,000-service mesh has some 10,000), far below what would
    /// let a client grow the server's memory at will. Past it: `resource_exhausted`.
    static let maxSubscribedNames = 100_000

    /// How many requests are queued between the reader and the handling loop.
    private final class QueueDepth: Sendable {
        let value = Atomic<Int>(0)
    }

    func streamAggregatedResources(
        request: RPCAsyncSequence<Envoy_Service_Discovery_V3_DiscoveryRequest, any Error>,
        response: RPCWriter<Envoy_Service_Discovery_V3_DiscoveryResponse>,
        context: ServerContext
    ) async throws {
        try await serve(SotWStreamMachine.self, request, response, context)
    }

    func deltaAggregatedResources(
        request: RPCAsyncSequence<Envoy_Service_Discovery_V3_DeltaDiscoveryRequest, any Error>,
        response: RPCWriter<Envoy_Service_Discovery_V3_DeltaDiscoveryResponse>,
        context: ServerContext
    ) async throws {
        try await serve(DeltaStreamMachine.self, request, response, context)
    }

    private enum Event<Request: Sendable>: Sendable {
        case request(Request)
        case snapshotChanged
        case identityChanged
        case requestsEnded((any Error)?)
    }

    /// The newest value not yet handled; a burst of values is handled once.
    private final class Latest<Value: Sendable>: Sendable {
        private let value = Mutex<Value?>(nil)
        /// Whether a wake-up is already queued for the stored value.
        func put(_ new: Value) -> Bool {
            value.withLock { stored in
                defer { stored = new }
                return stored == nil
            }
        }
        func take() -> Value? {
            value.withLock { stored in
                defer { stored = nil }; return stored
            }
        }
    }

    private func serve<Machine: ADSStreamMachine>(
        _: Machine.Type,
        _ requests: RPCAsyncSequence<Machine.Request, any Error>,
        _ writer: RPCWriter<Machine.Response>,
        _ context: ServerContext
    ) async throws {
        let (events, continuation) = AsyncStream.makeStream(of: Event<Machine.Request>.self)
        let latest = Latest<Snapshot>()
        let latestIdentity = Latest<XDSWorkloadCertificate>()
        let depth = QueueDepth()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await request in requests {
                        guard depth.value.add(1, ordering: .relaxed).newValue <= Self.maxQueuedRequests else {
                            continuation.yield(
                                .requestsEnded(
                                    RPCError(
                                        code: .resourceExhausted,
                                        message: "more than \(Self.maxQueuedRequests) requests not yet answered")))
                            return
                        }
                        continuation.yield(.request(request))
                    }
                    continuation.yield(.requestsEnded(nil))
                } catch {
                    continuation.yield(.requestsEnded(error))
                }
            }
            defer { group.cancelAll() }
            var stream: (id: UInt64, node: DataPlaneNode)?
            do {
                var machine = Machine()
                var resources: XDSServedResources?
                // For an Envoy node with its own identity: the translation without it, the names
                // of the secrets that carry it, and the node's newest certificate.
                var translated: XDSServedResources?
                var identityNames = XDSServedResources.IdentitySecrets()
                var identity: XDSWorkloadCertificate?
                func served() -> XDSServedResources? {
                    guard let identity, let translated else { return translated }
                    return translated.withWorkloadIdentity(identity, secrets: identityNames)
                }
                var waiting: [Machine.Request] = []
                // The names the waiting requests subscribe (an upper bound), counted before they are taken.
                var waitingNames = 0
                loop: for await event in events {
                    switch event {
                    case .request(let request):
                        depth.value.subtract(1, ordering: .relaxed)
                        let typeURL = Machine.typeURL(of: request)
                        guard !typeURL.isEmpty else {
                            throw RPCError(code: .invalidArgument, message: "type_url: required on an ADS stream")
                        }
                        guard ADSTypeURL.served.contains(typeURL) else {
                            throw RPCError(
                                code: .invalidArgument,
                                message: "type_url: \(typeURL.prefix(200)) is not served (one of "
                                    + ADSTypeURL.ordered(ADSTypeURL.served).joined(separator: ", ") + ")")
                        }
                        if stream == nil {
                            let node = try identify(Machine.self, request, context)
                            stream = (
                                await board.connect(node: node, mode: Machine.mode, peer: context.remotePeer), node
                            )
                            logger.info(
                                "xDS node connected",
                                metadata: [
                                    "node.id": "\(node.id)", "xds.mode": "\(Machine.mode.rawValue)",
                                    "peer.address": "\(context.remotePeer)",
                                ]
                            )
                            let snapshots = source.snapshots(for: node)
                            group.addTask {
                                // Version 0 is the compiler's empty placeholder before its first
                                // compile (a control plane just restarted): served, it would empty
                                // a reconnecting node's config. Requests wait for a real one.
                                for await snapshot in snapshots where snapshot.version > 0 && latest.put(snapshot) {
                                    continuation.yield(.snapshotChanged)
                                }
                            }
                            if let identities, node.xdsFormat == .envoy {
                                group.addTask {
                                    var serial: String?
                                    while !Task.isCancelled {
                                        let (certificate, wait) = await identities.current(for: node.id)
                                        if let certificate, certificate.serialNumber != serial {
                                            serial = certificate.serialNumber
                                            if latestIdentity.put(certificate) { continuation.yield(.identityChanged) }
                                        }
                                        do { try await Task.sleep(for: wait) } catch { return }
                                    }
                                }
                            }
                        }
                        let subscribed = machine.subscribedNames(after: request) + waitingNames
                        guard subscribed <= Self.maxSubscribedNames else {
                            throw RPCError(
                                code: .resourceExhausted,
                                message: "resource_names: \(subscribed) names subscribed on one stream, more than \(Self.maxSubscribedNames)")
                        }
                        guard let current = resources else {
                            // Before the node's first snapshot; a client cannot queue without bound.
                            guard waiting.count < Self.maxWaitingRequests else {
                                throw RPCError(
                                    code: .resourceExhausted,
                                    message: "more than \(Self.maxWaitingRequests) requests before the first snapshot")
                            }
                            waiting.append(request)
                            waitingNames += Machine().subscribedNames(after: request)
                            continue
                        }
                        try await apply(machine.receive(request, resources: current), writer, stream)
                    case .snapshotChanged:
                        guard let snapshot = latest.take(), let connected = stream else { continue }
                        translated = translations.resources(for: snapshot, node: connected.node)
                        identityNames = XDSServedResources.IdentitySecrets(in: snapshot)
                        guard let new = served() else { continue }
                        if resources == nil {
                            for request in waiting {
                                try await apply(machine.receive(request, resources: new), writer, stream)
                            }
                            waiting = []
                            waitingNames = 0
                        } else {
                            try await apply(machine.update(resources: new), writer, stream)
                        }
                        resources = new
                    case .identityChanged:
                        identity = latestIdentity.take() ?? identity
                        // Before the first snapshot the certificate waits for it.
                        guard resources != nil, let new = served() else { continue }
                        try await apply(machine.update(resources: new), writer, stream)
                        resources = new
                    case .requestsEnded(let error):
                        if let error { throw error }
                        break loop
                    }
                }
            } catch {
                if let stream { await disconnect(stream, error) }
                throw error
            }
            if let stream { await disconnect(stream, nil) }
        }
    }

    private func identify<Machine: ADSStreamMachine>(
        _: Machine.Type,
        _ request: Machine.Request,
        _ context: ServerContext
    ) throws(RPCError) -> DataPlaneNode {
        guard let xdsNode = Machine.node(of: request) else {
            throw RPCError(code: .invalidArgument, message: "node: the first request of a stream must name its node")
        }
        let node: DataPlaneNode
        do {
            node = try DataPlaneNode(xds: xdsNode)
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message)
        }
        try peerIdentity?.check(node, context)
        return node
    }

    private func apply<Response>(
        _ reaction: ADSReaction<Response>,
        _ writer: RPCWriter<Response>,
        _ stream: (id: UInt64, node: DataPlaneNode)?
    ) async throws {
        for response in reaction.responses { try await writer.write(response) }
        guard let stream, !reaction.events.isEmpty else { return }
        await board.record(reaction.events, stream: stream.id)
        for event in reaction.events {
            switch event {
            case .nacked(let typeURL, let version, let message):
                logger.warning(
                    "xDS node rejected a config; it keeps its previous one",
                    metadata: [
                        "node.id": "\(stream.node.id)", "xds.type": "\(ADSTypeURL.shortName(typeURL))",
                        "xds.version": "\(version)", "error.message": "\(message)",
                    ]
                )
            case .sent(let typeURL, let version, let nonce, let count, let removed):
                logger.debug(
                    "xDS response sent",
                    metadata: [
                        "node.id": "\(stream.node.id)", "xds.type": "\(ADSTypeURL.shortName(typeURL))",
                        "xds.version": "\(version)", "xds.nonce": "\(nonce)", "xds.resources": "\(count)",
                        "xds.removed": "\(removed)",
                    ]
                )
            case .acked, .stale:
                break
            }
        }
    }

    private func disconnect(_ stream: (id: UInt64, node: DataPlaneNode), _ error: (any Error)?) async {
        await board.disconnect(stream: stream.id)
        var metadata: Logger.Metadata = ["node.id": "\(stream.node.id)"]
        if let error { metadata["error.message"] = "\(error)" }
        logger.info("xDS node disconnected", metadata: metadata)
    }
}
