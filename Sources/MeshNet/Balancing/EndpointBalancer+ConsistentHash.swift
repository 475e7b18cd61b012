extension EndpointBalancer {
    /// From the ring point or Maglev slot owning the request hash, forward to the first available
    /// endpoint: the same hash keeps landing on the same fallback while the owner is out.
    ///
    /// Hosts repeat along a ring, so endpoints already asked are marked and not asked again; the walk
    /// stops when every endpoint has been asked or after one full turn.
    func walk(from start: Int, _ isAvailable: (Int) -> Bool) -> Int? {
        let length = owners.count
        let first = Int(owners[start])
        if isAvailable(first) { return first }
        let count = endpoints.count
        if count == 1 { return nil }
        visitMark &+= 1
        if visitMark == 0 {
            // The marks wrapped after 2^32 walks: clear them once.
            for i in 0..<visited.count { visited[i] = 0 }
            visitMark = 1
        }
        visited[first] = visitMark
        var asked = 1
        var position = start
        for _ in 1..<max(length, 1) {
            position = position &+ 1 == length ? 0 : position &+ 1
            let index = Int(owners[position])
            if visited[index] == visitMark { continue }
            if isAvailable(index) { return index }
            visited[index] = visitMark
            asked &+= 1
            if asked == count { return nil }
        }
        // Endpoints too light to own any slot are only reachable this way.
        return reservoirPick { visited[$0] != visitMark && isAvailable($0) }
    }
}
