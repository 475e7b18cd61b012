import MeshXDS
import MeshXDSProto
import SwiftProtobuf

/// The state of the world half of one ADS stream (`StreamAggregatedResources`), without I/O.
///
/// Each type URL is its own sub-stream (xds-subset.md §6.1): a nonce, the subscription, and the
/// version last sent. The first request of a type (no nonce) is always answered — that is what
/// finishes Envoy's warming, also after a reconnect — and so is a change of subscription. An ACK
/// of the latest nonce asks for nothing; a request echoing an older nonce is stale and ignored.
/// A NACK keeps the client on its previous config: the rejected version is not sent again, only
/// a newer one. Pushes go in make-before-break order, and after clusters change the endpoints of
/// the subscription are sent again even if unchanged, because Envoy holds an updated cluster
/// warming until a ClusterLoadAssignment response arrives for it.
///
/// Listeners and routes pushed after a cluster change wait until the client has ACKed endpoints
/// for every EDS cluster (or rejected the clusters): Envoy applies a route at once, and a route
/// naming a cluster still warming answers 503 (`no_cluster`) until it is warm.
struct SotWStreamMachine {
    typealias Request = Envoy_Service_Discovery_V3_DiscoveryRequest
    typealias Response = Envoy_Service_Discovery_V3_DiscoveryResponse

    struct TypeState: Equatable {
        var names: Set<String> = []
        var wildcard = false
        /// The nonce of the latest response of this type.
        var nonce: String?
        /// The `version_info` of the latest response.
        var sentVersion: String?
        /// The version the client rejected last; not sent again.
        var rejectedVersion: String?
        /// The names of the latest response (nil: every resource of the type).
        var sentNames: Set<String>? = nil
    }

    /// Listener and route pushes wait for the clusters sent before them to be warm.
    private(set) var holdingForWarming = false

    private(set) var types: [String: TypeState] = [:]
    private var nonceCounter: UInt64 = 0

    /// A request from the client, with the node's current resources.
    mutating func receive(_ request: Request, resources: XDSServedResources) -> ADSReaction<Response> {
        var reaction = ADSReaction<Response>()
        let typeURL = request.typeURL
        var state = types[typeURL] ?? TypeState()
        let nonce = request.responseNonce
        if !nonce.isEmpty, nonce != state.nonce {
            reaction.events.append(.stale(typeURL: typeURL, nonce: nonce))
            return reaction
        }
        let releases = holdingForWarming && !nonce.isEmpty && releasesHold(typeURL, state, request, resources)
        let names = Set(request.resourceNames.filter { $0 != "*" })
        let wildcard =
            request.resourceNames.contains("*")
            || (request.resourceNames.isEmpty && ADSTypeURL.wildcardByDefault.contains(typeURL))
        let subscriptionChanged = names != state.names || wildcard != state.wildcard
        state.names = names
        state.wildcard = wildcard
        if request.hasErrorDetail {
            reaction.events.append(
                .nacked(typeURL: typeURL, version: state.sentVersion ?? "", message: ADSTypeURL.bounded(request.errorDetail.message))
            )
            state.rejectedVersion = state.sentVersion
        } else if !nonce.isEmpty {
            reaction.events.append(.acked(typeURL: typeURL, version: request.versionInfo))
        }
        types[typeURL] = state
        let (response, version) = makeResponse(typeURL, state, resources)
        let answer =
            nonce.isEmpty || subscriptionChanged
            || (!request.hasErrorDetail && version != state.sentVersion && version != state.rejectedVersion)
        if answer { send(response, version: version, names: state.wildcard ? nil : state.names, into: &reaction) }
        if releases {
            holdingForWarming = false
            push([ADSTypeURL.listener, ADSTypeURL.routeConfiguration], resources, into: &reaction)
        }
        return reaction
    }

    /// Whether answering this request ends the hold: the client ACKed endpoints for every EDS
    /// cluster, or ACKed clusters that need none, or rejected either (then nothing more will warm:
    /// the listeners and routes go as they would have, rather than wait for the next change).
    private func releasesHold(
        _ typeURL: String, _ state: TypeState, _ request: Request, _ resources: XDSServedResources
    ) -> Bool {
        let required = DeltaStreamMachine.endpointNames(of: Array(resources.resources(of: ADSTypeURL.cluster).values))
        switch typeURL {
        case ADSTypeURL.cluster:
            return request.hasErrorDetail || required.isEmpty || types[ADSTypeURL.clusterLoadAssignment] == nil
        case ADSTypeURL.clusterLoadAssignment:
            guard !request.hasErrorDetail, let names = state.sentNames else { return true }
            return required.isSubset(of: names)
        default:
            return false
        }
    }

    /// The node's resources changed: push every subscribed type whose content changed.
    mutating func update(resources: XDSServedResources) -> ADSReaction<Response> {
        var reaction = ADSReaction<Response>()
        var clustersSent = false
        for typeURL in ADSTypeURL.ordered(types.keys) {
            guard let state = types[typeURL] else { continue }
            if typeURL == ADSTypeURL.listener || typeURL == ADSTypeURL.routeConfiguration {
                if clustersSent { holdingForWarming = true }
                if holdingForWarming { continue }
            }
            let (response, version) = makeResponse(typeURL, state, resources)
            let rewarm = clustersSent && typeURL == ADSTypeURL.clusterLoadAssignment && state.sentVersion != nil
            guard rewarm || (version != state.sentVersion && version != state.rejectedVersion) else { continue }
            send(response, version: version, names: state.wildcard ? nil : state.names, into: &reaction)
            if typeURL == ADSTypeURL.cluster { clustersSent = true }
        }
        return reaction
    }

    /// Pushes the given types whose content changed (the listeners and routes a hold kept back).
    private mutating func push(_ typeURLs: [String], _ resources: XDSServedResources, into reaction: inout ADSReaction<Response>) {
        for typeURL in typeURLs {
            guard let state = types[typeURL] else { continue }
            let (response, version) = makeResponse(typeURL, state, resources)
            guard version != state.sentVersion && version != state.rejectedVersion else { continue }
            send(response, version: version, names: state.wildcard ? nil : state.names, into: &reaction)
        }
    }

    private mutating func send(
        _ response: Response, version: String, names: Set<String>?, into reaction: inout ADSReaction<Response>
    ) {
        var response = response
        nonceCounter += 1
        response.nonce = String(nonceCounter)
        response.versionInfo = version
        types[response.typeURL, default: TypeState()].nonce = response.nonce
        types[response.typeURL, default: TypeState()].sentVersion = version
        types[response.typeURL, default: TypeState()].sentNames = names
        reaction.responses.append(response)
        reaction.events.append(
            .sent(
                typeURL: response.typeURL,
                version: version,
                nonce: response.nonce,
                resources: response.resources.count,
                removed: 0
            )
        )
    }

    /// Wildcard: every resource of the type; otherwise the subscribed names that exist, by name.
    private func makeResponse(
        _ typeURL: String,
        _ state: TypeState,
        _ resources: XDSServedResources
    ) -> (Response, version: String) {
        let all = resources.resources(of: typeURL)
        let chosen =
            state.wildcard
            ? all.values.sorted { $0.name < $1.name }
            : state.names.sorted().compactMap { all[$0] }
        var response = Response()
        response.typeURL = typeURL
        response.resources = chosen.map(\.resource)
        return (response, XDSServedResources.setVersion(of: chosen))
    }
}
