import MeshXDS
import MeshXDSProto
import SwiftProtobuf

/// The incremental half of one ADS stream (`DeltaAggregatedResources`), without I/O.
///
/// Per type URL: the subscription (wildcard and/or names) and what the client holds, name →
/// version, seeded from `initial_resource_versions` on a reconnect, so a client that comes back
/// gets only the differences (xds-subset.md §6.3). A response carries the resources whose version
/// differs from what the client holds, every name the request subscribed (even if held), and, in
/// `removed_resources`, held names that no longer exist and subscribed names that never did. The
/// first request of a type is always answered, even with nothing, so Envoy finishes initialising.
///
/// Every response is remembered by nonce until the client answers it: a NACK rolls back what the
/// client holds to what it held before, and the rejected versions are not sent again unasked. A
/// request echoing an unknown nonce is stale for its ACK/NACK part, but its subscription change
/// still counts.
///
/// As in state of the world, listeners and routes changed after a cluster change wait until the
/// client has ACKed endpoints for every EDS cluster (or rejected the clusters), so no route names a
/// cluster that is still warming.
struct DeltaStreamMachine {
    typealias Request = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest
    typealias Response = Envoy_Service_Discovery_V3_DeltaDiscoveryResponse

    struct TypeState: Equatable {
        var wildcard = false
        var subscribed: Set<String> = []
        /// Name → the version the client holds.
        var known: [String: String] = [:]
        /// Name → the version the client rejected.
        var rejected: [String: String] = [:]
    }

    /// A response the client has not answered yet.
    private struct Pending {
        var typeURL: String
        var systemVersion: String
        /// Name → what the client held before, and what the response gave it (nil: removed).
        var changes: [String: (before: String?, sent: String?)]
    }

    private(set) var types: [String: TypeState] = [:]
    /// By nonce (the nonces are this stream's counter).
    private var pending: [UInt64: Pending] = [:]
    private var nonceCounter: UInt64 = 0
    /// Listener and route pushes wait for the clusters sent before them to be warm.
    private(set) var holdingForWarming = false
    /// Responses remembered unanswered at most; a client that never answers cannot grow the
    /// stream's memory without bound (the oldest nonce is forgotten and its answer is stale).
    static let pendingLimit = 64

    mutating func receive(_ request: Request, resources: XDSServedResources) -> ADSReaction<Response> {
        var reaction = ADSReaction<Response>()
        let typeURL = request.typeURL
        let first = types[typeURL] == nil
        var state = types[typeURL] ?? TypeState()
        if first {
            state.known = request.initialResourceVersions
            // Legacy wildcard: a first request that subscribes to nothing.
            state.wildcard = request.resourceNamesSubscribe.isEmpty
        }
        var releases = false
        if !request.responseNonce.isEmpty {
            let sent = UInt64(request.responseNonce).flatMap { pending.removeValue(forKey: $0) }
            answer(request, pending: sent, &state, &reaction)
            if holdingForWarming, let sent, sent.typeURL == typeURL {
                releases = releasesHold(typeURL, rejected: request.hasErrorDetail, known: state.known, resources)
            }
        }
        var forced = Set<String>()
        for name in request.resourceNamesSubscribe {
            if name == "*" {
                state.wildcard = true
            } else {
                state.subscribed.insert(name)
                forced.insert(name)
            }
        }
        for name in request.resourceNamesUnsubscribe {
            if name == "*" {
                state.wildcard = false
            } else {
                state.subscribed.remove(name)
                // The client forgets an unsubscribed resource, unless the wildcard still covers it.
                if !state.wildcard { state.known[name] = nil }
            }
        }
        types[typeURL] = state
        respond(typeURL, forced: forced, always: first, resources, &reaction)
        if releases {
            holdingForWarming = false
            for held in [ADSTypeURL.listener, ADSTypeURL.routeConfiguration] {
                respond(held, forced: [], always: false, resources, &reaction)
            }
        }
        return reaction
    }

    /// Whether an answer to a `typeURL` response ends the hold: endpoints ACKed for every EDS
    /// cluster with no other endpoints response outstanding, clusters ACKed that need none, or a
    /// rejection (nothing more will warm: the listeners and routes go as they would have, rather
    /// than wait for the next change).
    private func releasesHold(
        _ typeURL: String, rejected: Bool, known: [String: String], _ resources: XDSServedResources
    ) -> Bool {
        let required = Self.endpointNames(of: Array(resources.resources(of: ADSTypeURL.cluster).values))
        switch typeURL {
        case ADSTypeURL.cluster:
            return rejected || required.isEmpty || types[ADSTypeURL.clusterLoadAssignment] == nil
        case ADSTypeURL.clusterLoadAssignment:
            let outstanding = pending.values.contains { $0.typeURL == ADSTypeURL.clusterLoadAssignment }
            return rejected || (!outstanding && required.allSatisfy { known[$0] != nil })
        default:
            return false
        }
    }

    /// The node's resources changed: send each subscribed type what changed, in push order.
    mutating func update(resources: XDSServedResources) -> ADSReaction<Response> {
        var reaction = ADSReaction<Response>()
        var changedClusters: [XDSResource] = []
        for typeURL in ADSTypeURL.ordered(types.keys) {
            if typeURL == ADSTypeURL.listener || typeURL == ADSTypeURL.routeConfiguration {
                if !changedClusters.isEmpty { holdingForWarming = true }
                if holdingForWarming { continue }
            }
            var forced = Set<String>()
            if typeURL == ADSTypeURL.clusterLoadAssignment {
                forced = Self.endpointNames(of: changedClusters).filter { wants($0, typeURL, resources) }
            }
            let sent = respond(typeURL, forced: forced, always: false, resources, &reaction)
            if typeURL == ADSTypeURL.cluster { changedClusters = sent }
        }
        return reaction
    }

    private mutating func answer(
        _ request: Request,
        pending sent: Pending?,
        _ state: inout TypeState,
        _ reaction: inout ADSReaction<Response>
    ) {
        guard let sent, sent.typeURL == request.typeURL else {
            reaction.events.append(.stale(typeURL: request.typeURL, nonce: request.responseNonce))
            return
        }
        guard request.hasErrorDetail else {
            reaction.events.append(.acked(typeURL: request.typeURL, version: sent.systemVersion))
            return
        }
        for (name, change) in sent.changes where state.known[name] == change.sent {
            if let version = change.sent { state.rejected[name] = version }
            state.known[name] = change.before
        }
        reaction.events.append(
            .nacked(typeURL: request.typeURL, version: sent.systemVersion, message: ADSTypeURL.bounded(request.errorDetail.message))
        )
    }

    /// Sends what the client lacks of one type (and `forced`), if anything or `always`; returns
    /// the resources sent.
    @discardableResult
    private mutating func respond(
        _ typeURL: String,
        forced: Set<String>,
        always: Bool,
        _ resources: XDSServedResources,
        _ reaction: inout ADSReaction<Response>
    ) -> [XDSResource] {
        guard var state = types[typeURL] else { return [] }
        let all = resources.resources(of: typeURL)
        let wanted = state.wildcard ? state.subscribed.union(all.keys) : state.subscribed
        var changed: [XDSResource] = []
        var removed: [String] = []
        for name in wanted.sorted() {
            if let resource = all[name] {
                let new = state.known[name] != resource.version && state.rejected[name] != resource.version
                if new || forced.contains(name) { changed.append(resource) }
            } else if forced.contains(name) {
                removed.append(name)
            }
        }
        for name in state.known.keys.sorted() where all[name] == nil && !forced.contains(name) {
            removed.append(name)
        }
        guard always || !changed.isEmpty || !removed.isEmpty else { return [] }

        nonceCounter += 1
        var response = Response()
        response.typeURL = typeURL
        response.nonce = String(nonceCounter)
        response.systemVersionInfo = resources.systemVersion
        response.removedResources = removed
        var changes: [String: (before: String?, sent: String?)] = [:]
        for resource in changed {
            var wrapped = Envoy_Service_Discovery_V3_Resource()
            wrapped.name = resource.name
            wrapped.version = resource.version
            wrapped.resource = resource.resource
            response.resources.append(wrapped)
            changes[resource.name] = (state.known[resource.name], resource.version)
            state.known[resource.name] = resource.version
        }
        for name in removed {
            changes[name] = (state.known[name], nil)
            state.known[name] = nil
        }
        types[typeURL] = state
        pending[nonceCounter] = Pending(typeURL: typeURL, systemVersion: resources.systemVersion, changes: changes)
        if pending.count > Self.pendingLimit, let oldest = pending.keys.min() { pending[oldest] = nil }
        reaction.responses.append(response)
        reaction.events.append(
            .sent(
                typeURL: typeURL,
                version: resources.systemVersion,
                nonce: response.nonce,
                resources: changed.count,
                removed: removed.count
            )
        )
        return changed
    }

    private func wants(_ name: String, _ typeURL: String, _ resources: XDSServedResources) -> Bool {
        guard let state = types[typeURL] else { return false }
        return state.subscribed.contains(name) || (state.wildcard && resources.resources(of: typeURL)[name] != nil)
    }

    /// The ClusterLoadAssignment names of EDS clusters: `service_name`, or the cluster's name.
    static func endpointNames(of clusters: [XDSResource]) -> Set<String> {
        var names = Set<String>()
        for resource in clusters {
            guard let cluster = try? Envoy_Config_Cluster_V3_Cluster(unpackingAny: resource.resource),
                case .type(.eds) = cluster.clusterDiscoveryType
            else { continue }
            let serviceName = cluster.edsClusterConfig.serviceName
            names.insert(serviceName.isEmpty ? cluster.name : serviceName)
        }
        return names
    }
}
