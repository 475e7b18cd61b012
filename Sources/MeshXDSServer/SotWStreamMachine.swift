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
    }

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
        let names = Set(request.resourceNames.filter { $0 != "*" })
        let wildcard =
            request.resourceNames.contains("*")
            || (request.resourceNames.isEmpty && ADSTypeURL.wildcardByDefault.contains(typeURL))
        let subscriptionChanged = names != state.names || wildcard != state.wildcard
        state.names = names
        state.wildcard = wildcard
        if request.hasErrorDetail {
            reaction.events.append(
                .nacked(typeURL: typeURL, version: state.sentVersion ?? "", message: request.errorDetail.message)
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
        if answer { send(response, version: version, into: &reaction) }
        return reaction
    }

    /// The node's resources changed: push every subscribed type whose content changed.
    mutating func update(resources: XDSServedResources) -> ADSReaction<Response> {
        var reaction = ADSReaction<Response>()
        var clustersSent = false
        for typeURL in ADSTypeURL.ordered(types.keys) {
            guard let state = types[typeURL] else { continue }
            let (response, version) = makeResponse(typeURL, state, resources)
            let rewarm = clustersSent && typeURL == ADSTypeURL.clusterLoadAssignment && state.sentVersion != nil
            guard rewarm || (version != state.sentVersion && version != state.rejectedVersion) else { continue }
            send(response, version: version, into: &reaction)
            if typeURL == ADSTypeURL.cluster { clustersSent = true }
        }
        return reaction
    }

    private mutating func send(_ response: Response, version: String, into reaction: inout ADSReaction<Response>) {
        var response = response
        nonceCounter += 1
        response.nonce = String(nonceCounter)
        response.versionInfo = version
        types[response.typeURL, default: TypeState()].nonce = response.nonce
        types[response.typeURL, default: TypeState()].sentVersion = version
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
