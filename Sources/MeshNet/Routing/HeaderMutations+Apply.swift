public import MeshModel
public import NIOHTTP1

extension Snapshot.HeaderMutations {
    /// Applies the request side: removals first, then additions (`append: false` replaces every
    /// value of the header, `append: true` adds one more), in the configured order.
    public func applyToRequest(_ headers: inout HTTPHeaders) {
        Self.apply(remove: requestHeadersToRemove, add: requestHeadersToAdd, to: &headers)
    }

    /// Applies the response side, in the same way as `applyToRequest`.
    public func applyToResponse(_ headers: inout HTTPHeaders) {
        Self.apply(remove: responseHeadersToRemove, add: responseHeadersToAdd, to: &headers)
    }

    private static func apply(remove: [String], add: [Snapshot.HeaderValueOption], to headers: inout HTTPHeaders) {
        for name in remove where headers.contains(name: name) {
            headers.remove(name: name)
        }
        for option in add {
            if option.append {
                headers.add(name: option.name, value: option.value)
            } else {
                headers.replaceOrAdd(name: option.name, value: option.value)
            }
        }
    }
}
