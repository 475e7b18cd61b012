import MeshCore

/// The TLS 1.2 cipher suites a listener may name, in OpenSSL spelling, as BoringSSL knows them.
///
/// Checked before the list reaches NIOSSL, which treats a cipher string BoringSSL rejects as a
/// programming error (a precondition failure that would take the whole data plane down), whereas here
/// it is a configuration error naming the cipher. The set is BoringSSL's certificate-based suites
/// (Istio accepts the same names); TLS 1.3 suites are not configurable.
enum CipherSuiteNames {
    static let supported: Set<String> = [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "ECDHE-ECDSA-AES128-SHA",
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-ECDSA-AES256-SHA",
        "ECDHE-RSA-AES256-SHA",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
        "AES128-SHA",
        "AES256-SHA",
        "DES-CBC3-SHA",
    ]

    /// The BoringSSL cipher string for `names`. An entry may be an equal-preference group as Envoy
    /// writes it, `[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]`.
    static func cipherString(_ names: [String], secret: String) throws(MeshError) -> String {
        for entry in names {
            let members =
                entry.hasPrefix("[") && entry.hasSuffix("]")
                ? entry.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                : [entry]
            if let unknown = members.first(where: { !supported.contains($0) }) {
                throw MeshError(
                    .configuration,
                    "TLS cipher suite '\(unknown)' of the listener with secret '\(secret)' is not supported"
                        + " (OpenSSL names such as ECDHE-ECDSA-AES128-GCM-SHA256)"
                )
            }
        }
        return names.joined(separator: ":")
    }
}
