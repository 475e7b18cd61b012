public import MeshModel

extension ApplianceConfiguration {
    /// `serviceCIDR` and `serviceCIDRv6` as the config store's VIP ranges (both were checked
    /// when read; an empty or unreadable one is left out).
    public var vipRanges: [VIPRange] {
        [serviceCIDR, serviceCIDRv6].compactMap { $0.isEmpty ? nil : VIPRange($0) }
    }
}
