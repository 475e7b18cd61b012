public import MeshModel

/// Turns a snapshot's secret reference (SDS name) into key material.
///
/// Called when a snapshot is applied, never per connection, so an implementation may read files or
/// ask another role synchronously. Errors name the secret and the file or credential at fault.
public protocol SecretResolver: Sendable {
    func resolve(_ reference: Snapshot.SecretReference) throws -> ResolvedSecret
}
