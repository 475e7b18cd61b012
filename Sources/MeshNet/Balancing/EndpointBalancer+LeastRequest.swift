extension EndpointBalancer {
    /// Power of two random choices (Envoy's LEAST_REQUEST with `choice_count` 2): of two distinct random
    /// available endpoints, the one with fewer requests in flight per unit of weight.
    ///
    /// An unavailable draw is replaced by another (up to four draws), so an ejected endpoint does not
    /// turn picks into single choices; only when the draws keep failing does it scan.
    func pickLeastRequest(_ isAvailable: (Int) -> Bool) -> Int? {
        let count = endpoints.count
        if count == 1 { return isAvailable(0) ? 0 : nil }
        var chosen = -1
        for _ in 0..<4 {
            var index = random.uniformIndex(below: count)
            if index == chosen {
                // Any other endpoint, uniformly.
                index = chosen &+ 1 &+ random.uniformIndex(below: count &- 1)
                if index >= count { index &-= count }
            }
            guard isAvailable(index) else { continue }
            if chosen < 0 {
                chosen = index
                continue
            }
            return isLighter(index, than: chosen) ? index : chosen
        }
        if chosen >= 0 { return chosen }
        return leastLoadedScan(isAvailable)
    }

    /// Load is (active + 1) / weight, compared by cross-multiplying: Envoy's weighted least request with
    /// `active_request_bias` 1. The +1 makes an idle heavy endpoint beat an idle light one.
    @inline(__always)
    private func isLighter(_ a: Int, than b: Int) -> Bool {
        let loadA = (UInt64(activeRequests[a]) &+ 1) &* weights[b]
        let loadB = (UInt64(activeRequests[b]) &+ 1) &* weights[a]
        return loadA < loadB
    }

    /// The least loaded available endpoint, starting at a random index so ties spread.
    private func leastLoadedScan(_ isAvailable: (Int) -> Bool) -> Int? {
        let count = endpoints.count
        var index = random.uniformIndex(below: count)
        var best = -1
        for _ in 0..<count {
            if isAvailable(index) && (best < 0 || isLighter(index, than: best)) { best = index }
            index = index &+ 1 == count ? 0 : index &+ 1
        }
        return best >= 0 ? best : nil
    }

    /// Takes over the in-flight counts of endpoints that are also in `previous`, the balancer this one
    /// replaces after a snapshot change, so requests still running there keep counting here.
    public func adoptActiveRequests(from previous: EndpointBalancer) {
        guard !activeRequests.isEmpty, !previous.activeRequests.isEmpty else { return }
        var byKey: [String: UInt32] = [:]
        for (index, endpoint) in previous.endpoints.enumerated() where previous.activeRequests[index] > 0 {
            byKey[endpoint.key] = previous.activeRequests[index]
        }
        guard !byKey.isEmpty else { return }
        for (index, endpoint) in endpoints.enumerated() {
            if let count = byKey[endpoint.key] { activeRequests[index] = count }
        }
    }
}
