extension EndpointBalancer {
    /// Plain rotation for equal weights; nginx's smooth weighted round robin otherwise.
    ///
    /// Weighted: the precomputed cycle answers in O(1). When its endpoint is unavailable, that one pick is
    /// made by nginx's own pass over the available endpoints, so an ejected endpoint's share spreads over
    /// the others in proportion to their weights rather than all landing on its neighbour.
    func pickRoundRobin(_ isAvailable: (Int) -> Bool) -> Int? {
        let count = endpoints.count
        if equalWeights {
            var index = cursor
            for _ in 0..<count {
                if isAvailable(index) {
                    cursor = index &+ 1 == count ? 0 : index &+ 1
                    return index
                }
                index = index &+ 1 == count ? 0 : index &+ 1
            }
            return nil
        }
        if !schedule.isEmpty {
            let index = Int(schedule[cursor])
            cursor = cursor &+ 1 == schedule.count ? 0 : cursor &+ 1
            if isAvailable(index) { return index }
            return smoothPick(skipping: index, isAvailable)
        }
        return livePick(isAvailable)
    }

    /// nginx's pass for cycles too long to precompute: first assume everyone is available (no
    /// `isAvailable` calls), then ask only about the winner.
    private func livePick(_ isAvailable: (Int) -> Bool) -> Int? {
        var best = 0
        var bestValue = Int64.min
        for i in 0..<weights.count {
            let value = currentWeights[i] &+ Int64(weights[i])
            if value > bestValue {
                best = i
                bestValue = value
            }
        }
        guard isAvailable(best) else { return smoothPick(skipping: best, isAvailable) }
        for i in 0..<weights.count {
            currentWeights[i] &+= Int64(weights[i])
        }
        currentWeights[best] &-= Int64(totalWeight)
        return best
    }

    /// nginx's `ngx_http_upstream_get_peer` over the available endpoints, `skipping` one already known
    /// to be unavailable.
    func smoothPick(skipping: Int, _ isAvailable: (Int) -> Bool) -> Int? {
        var best = -1
        var total: Int64 = 0
        for i in 0..<weights.count where i != skipping && isAvailable(i) {
            currentWeights[i] &+= Int64(weights[i])
            total &+= Int64(weights[i])
            if best < 0 || currentWeights[i] > currentWeights[best] { best = i }
        }
        guard best >= 0 else { return nil }
        currentWeights[best] &-= total
        return best
    }
}
