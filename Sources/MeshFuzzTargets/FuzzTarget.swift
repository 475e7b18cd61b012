/// The inputs meshbox takes from strangers, as fuzz targets: each `run` takes arbitrary bytes and
/// must return without crashing, trapping or breaking an invariant (a broken invariant traps on
/// purpose, so that libFuzzer reports it with the input). `meshbox-fuzz` runs one under libFuzzer
/// (scripts/fuzz.sh); the corpus replay test runs every committed input through all of them.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// HTTP/1 request heads and bodies: whole vs split reads agree, and where NIOHTTP1 also accepts
    /// the bytes, both parsers see the same messages.
    case http1Request = "http1-request"
    /// HTTP/1 responses: whole vs split reads agree, and a head kept as raw bytes reads the same
    /// as the head the parser builds field by field.
    case http1Response = "http1-response"
    /// YAML/JSON → resources with validation (what `meshbox apply` and the admin API take).
    case resources
    /// Durations as users write them, within the ceiling when accepted.
    case duration
    /// A CSR in PEM as `POST /api/v1/ca/sign` takes it: parse, signature, SANs, SPIFFE ID.
    case csr
    /// A datagram to the proxy's DNS server: read, write back, answer within the UDP limit.
    case dnsMessage = "dns-message"

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .http1Request: HTTP1Fuzzing.request(bytes)
        case .http1Response: HTTP1Fuzzing.response(bytes)
        case .resources: InputFuzzing.resources(bytes)
        case .duration: InputFuzzing.duration(bytes)
        case .csr: InputFuzzing.csr(bytes)
        case .dnsMessage: DNSFuzzing.message(bytes)
        }
    }

    /// Stops with the input's target and what broke, for libFuzzer to report with the input.
    static func violated(_ invariant: String) -> Never {
        preconditionFailure("fuzz invariant violated: \(invariant)")
    }
}
