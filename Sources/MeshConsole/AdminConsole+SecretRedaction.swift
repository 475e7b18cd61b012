import MeshAPI
import MeshModel

// Secrets and the admin API: where redaction happens.
//
// The store keeps `Secret` values as applied (the compiler and the data plane need the real key
// material, and a rollback restores it). Everything the admin API sends out is encoded by
// `JSONBody.encoder()` or `ResourceEncoder`, both of which set `CodingUserInfoKey.redactSecrets`,
// so every read path (resources, YAML, history, diff, watch streams, the snapshot) shows
// `<redacted: N bytes, hmac …>` (keyed with the install's `redaction.key`) instead of a value,
// without a route having to remember it.
// The other direction is here: a Secret applied back with placeholders (fetched, labels edited,
// applied) keeps the stored values the placeholders stand for.
extension AdminConsole {
    /// Decodes an apply or diff body, putting back the stored values of redaction placeholders.
    static func decodeRestoringSecrets(_ text: String, config: any ConfigAPI) async throws -> [Resource] {
        guard SecretSpec.mayContainRedactionPlaceholders(text) else { return try ResourceDecoder.decode(text) }
        var stored: [ResourceKey: Resource] = [:]
        for item in try await config.list(kind: .secret, namespace: nil, selector: nil) {
            stored[item.key] = item.resource
        }
        return try ResourceDecoder.decodeReportingWarnings(text, restoringRedactedSecretsFrom: stored).resources
    }
}
