extension EndpointBalancer {
    /// A uniform pick, or weighted through the alias table (both O(1)); also the fallback of the hash
    /// policies for requests without a hash.
    ///
    /// Up to three draws; if all land on unavailable endpoints, one weighted reservoir pass over the
    /// available ones, so the answer stays unbiased however many are out.
    func pickRandom(_ isAvailable: (Int) -> Bool) -> Int? {
        for _ in 0..<3 {
            let index = drawWeighted()
            if isAvailable(index) { return index }
        }
        return reservoirPick(isAvailable)
    }

    @inline(__always)
    private func drawWeighted() -> Int {
        let column = random.uniformIndex(below: endpoints.count)
        if equalWeights { return column }
        return random.uniform(below: totalWeight) < aliasThresholds[column] ? column : Int(aliases[column])
    }

    /// Weighted reservoir sampling: one pass, one `isAvailable` call per endpoint.
    func reservoirPick(_ isAvailable: (Int) -> Bool) -> Int? {
        var total: UInt64 = 0
        var chosen: Int?
        for i in 0..<endpoints.count where isAvailable(i) {
            let weight = weights[i]
            total &+= weight
            if random.uniform(below: total) < weight { chosen = i }
        }
        return chosen
    }
}
