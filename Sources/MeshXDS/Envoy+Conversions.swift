import MeshModel
import MeshXDSProto
import SwiftProtobuf

/// Small conversions shared by the translators: durations, wrappers, matchers, header options,
/// percentages and the "over ADS" config source.
enum Envoy {
    /// `{ads: {}, resource_api_version: V3}`: fetch over the same ADS stream.
    static var adsConfigSource: Envoy_Config_Core_V3_ConfigSource {
        var source = Envoy_Config_Core_V3_ConfigSource()
        source.ads = Envoy_Config_Core_V3_AggregatedConfigSource()
        source.resourceApiVersion = .v3
        return source
    }

    static func duration(_ value: Swift.Duration) -> Google_Protobuf_Duration {
        let (seconds, attoseconds) = value.components
        return Google_Protobuf_Duration(seconds: seconds, nanos: Int32(attoseconds / 1_000_000_000))
    }

    static func uint32(_ value: UInt32) -> Google_Protobuf_UInt32Value { Google_Protobuf_UInt32Value(value) }
    static func uint64(_ value: UInt64) -> Google_Protobuf_UInt64Value { Google_Protobuf_UInt64Value(value) }
    static func bool(_ value: Bool) -> Google_Protobuf_BoolValue { Google_Protobuf_BoolValue(value) }

    /// A share in 0...100 as millionths, the finest denominator Envoy has.
    static func fractionalPercent(_ percentage: Double) -> Envoy_Type_V3_FractionalPercent {
        var percent = Envoy_Type_V3_FractionalPercent()
        percent.numerator = UInt32((min(max(percentage, 0), 100) * 10_000).rounded())
        percent.denominator = .million
        return percent
    }

    static func runtimeFraction(_ percentage: Double) -> Envoy_Config_Core_V3_RuntimeFractionalPercent {
        var fraction = Envoy_Config_Core_V3_RuntimeFractionalPercent()
        fraction.defaultValue = fractionalPercent(percentage)
        return fraction
    }

    static func regex(_ pattern: String) -> Envoy_Type_Matcher_V3_RegexMatcher {
        var matcher = Envoy_Type_Matcher_V3_RegexMatcher()
        matcher.regex = pattern
        return matcher
    }

    static func stringMatcher(_ match: Snapshot.StringMatcher, ignoreCase: Bool = false)
        -> Envoy_Type_Matcher_V3_StringMatcher
    {
        var matcher = Envoy_Type_Matcher_V3_StringMatcher()
        switch match {
        case .exact(let value): matcher.exact = value
        case .prefix(let value): matcher.prefix = value
        case .suffix(let value): matcher.suffix = value
        case .regex(let pattern): matcher.safeRegex = regex(pattern)
        }
        matcher.ignoreCase = ignoreCase
        return matcher
    }

    static func headerOptions(_ headers: [Snapshot.HeaderValueOption]) -> [Envoy_Config_Core_V3_HeaderValueOption] {
        headers.map { header in
            var option = Envoy_Config_Core_V3_HeaderValueOption()
            option.header.key = header.name
            option.header.value = header.value
            option.appendAction = header.append ? .appendIfExistsOrAdd : .overwriteIfExistsOrAdd
            return option
        }
    }

    static func socketAddress(_ address: String, port: UInt32) -> Envoy_Config_Core_V3_Address {
        var socket = Envoy_Config_Core_V3_SocketAddress()
        socket.address = address
        socket.portValue = port
        var result = Envoy_Config_Core_V3_Address()
        result.socketAddress = socket
        return result
    }

    /// Whether Envoy takes `address` where it needs an IP literal (EDS endpoints, listeners).
    static func isIPLiteral(_ address: String) -> Bool {
        if address.contains(":") { return address.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
