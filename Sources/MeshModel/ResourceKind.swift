/// The kinds of resource the config store holds.
public enum ResourceKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case gateway = "Gateway"
    case virtualService = "VirtualService"
    case destinationRule = "DestinationRule"
    case serviceEntry = "ServiceEntry"
    case peerAuthentication = "PeerAuthentication"
    case authorizationPolicy = "AuthorizationPolicy"
    case requestAuthentication = "RequestAuthentication"
    case service = "Service"
    /// A TLS credential (Kubernetes' `v1` `Secret`) for `credentialName`.
    case secret = "Secret"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The API group, as in `apiVersion: <group>/<version>`.
    public var group: String {
        switch self {
        case .gateway, .virtualService, .destinationRule, .serviceEntry: "networking.istio.io"
        case .peerAuthentication, .authorizationPolicy, .requestAuthentication: "security.istio.io"
        case .service: "meshbox.io"
        case .secret: ""
        }
    }

    /// The apiVersion meshbox writes back (`v1` for Kubernetes' core group).
    public var preferredAPIVersion: String { group.isEmpty ? "v1" : group + "/v1" }

    /// Every apiVersion accepted on input (Istio's older versions are aliases of v1).
    public var acceptedAPIVersions: [String] {
        switch self {
        case .gateway, .virtualService, .destinationRule, .serviceEntry:
            [group + "/v1", group + "/v1beta1", group + "/v1alpha3"]
        case .peerAuthentication, .authorizationPolicy, .requestAuthentication:
            [group + "/v1", group + "/v1beta1"]
        case .service:
            [group + "/v1"]
        case .secret:
            ["v1"]
        }
    }

    /// Lower-case plural, as used in API paths (`/api/v1/resources/virtualservices`).
    public var plural: String {
        let lowered = rawValue.lowercased()
        return lowered.hasSuffix("y") ? lowered.dropLast() + "ies" : lowered + "s"
    }

    /// Short names accepted by the CLI, as `kubectl`/`istioctl` users type them.
    public var shortNames: [String] {
        switch self {
        case .gateway: ["gw"]
        case .virtualService: ["vs"]
        case .destinationRule: ["dr"]
        case .serviceEntry: ["se"]
        case .peerAuthentication: ["pa"]
        case .authorizationPolicy: ["ap"]
        case .requestAuthentication: ["ra"]
        case .service: ["svc"]
        case .secret: []
        }
    }

    /// Looks a kind up by name, plural or short name, case-insensitively.
    public init?(name: String) {
        let lowered = name.lowercased()
        guard
            let kind = ResourceKind.allCases.first(where: {
                $0.rawValue.lowercased() == lowered || $0.plural == lowered || $0.shortNames.contains(lowered)
            })
        else { return nil }
        self = kind
    }
}
