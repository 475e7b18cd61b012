public import MeshModel

extension Snapshot.MirrorPolicy {
    /// Whether this request is one of the `percentage`% copied to `cluster`.
    public func shouldMirror<G: RandomNumberGenerator>(using generator: inout G) -> Bool {
        Percentage.sample(percentage, using: &generator)
    }
}
