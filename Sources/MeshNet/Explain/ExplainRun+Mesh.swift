import MeshAPI
import MeshModel

extension ExplainRun {
    /// Who answers the request itself (a direct response, a CORS preflight).
    var dataPlaneName: String { request.mesh ? "the node proxy" : "the gateway" }

    /// The listener of a connection a program on a proxy host opens to a service: its VIP (or a
    /// name the proxy's DNS answers with that VIP) and port. The capture rules redirect it to the
    /// original-destination listener, which hands it to the listener whose address and port are
    /// the connection's original destination (as `CompiledSnapshot.capturedListeners`: the first).
    mutating func findMeshListener() -> Snapshot.Listener? {
        let authority = AuthorityParts(request.host.lowercased())
        var address = String(authority.host)
        if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        let port = request.listenerPort ?? authority.port.flatMap { Int($0) } ?? 80
        guard (1...65535).contains(port) else {
            step("capture", false, "Port \(port) is not a TCP port.")
            finish(.noListener, status: nil, "Nothing can connect to port \(port).")
            return nil
        }
        let portNumber = UInt32(port)
        if let destination = OriginalDestination(address: address, port: portNumber) {
            let listener = snapshot.listeners.first {
                !$0.useOriginalDestination && OriginalDestination(address: $0.address, port: $0.port) == destination
            }
            guard let listener else { return notCaptured("\(destination) is no service VIP and port") }
            step("capture", true, "The node proxy captures the connection to \(destination) (its original destination).")
            return listener
        }
        let candidates = meshListeners(serving: address)
        guard let listener = candidates.first(where: { $0.port == portNumber }) else {
            let ports = Set(candidates.map(\.port)).sorted().map(String.init)
            return notCaptured(
                ports.isEmpty
                    ? "no service VIP has the name \(address) (for a TCP or TLS port, give the VIP or the full name)"
                    : "\(address) has no port \(port) (its ports: \(ports.joined(separator: ", ")))")
        }
        let others = candidates.filter { $0.port == portNumber && $0.name != listener.name }.map(\.address)
        let target = OriginalDestination(address: listener.address, port: portNumber).map { "\($0)" } ?? listener.name
        step(
            "capture", true,
            "\(address) is a name of VIP \(listener.address)\(others.isEmpty ? "" : " (also \(others.joined(separator: ", ")))"); the node proxy captures the connection to \(target)."
        )
        return listener
    }

    /// The proxy's per-VIP listeners whose service has `name`: an HTTP port's virtual host lists the
    /// names the proxy's DNS answers (short forms too); any port's fallback chain is named
    /// `mesh.<full name>:<port>` by the compiler.
    private func meshListeners(serving name: String) -> [Snapshot.Listener] {
        snapshot.listeners.filter { listener in
            guard listener.role == .proxy, !listener.bindToPort, !listener.useOriginalDestination else { return false }
            return listener.filterChains.contains { chain in
                if chain.name == "mesh.\(name):\(listener.port)" { return true }
                guard case .http(let routes) = chain.destination, let configuration = snapshot.routeConfiguration(named: routes)
                else { return false }
                return configuration.virtualHosts.contains { $0.domains.contains(name) }
            }
        }
    }

    private mutating func notCaptured(_ reason: String) -> Snapshot.Listener? {
        step("capture", false, "Not captured: \(reason).")
        finish(
            .noListener, status: nil,
            "The node proxy does not take this connection: \(reason). Inside the VIP range it is closed; elsewhere it goes out unchanged."
        )
        return nil
    }

    /// The proxy's outbound side enforces no AuthorizationPolicy: policies apply to the workload
    /// that receives the request.
    mutating func unauthorizedOutbound() -> AuthorizationDecision? {
        step(
            "authorization", true,
            "No authorization on the node proxy's outbound side: AuthorizationPolicy applies where the destination workload receives the request."
        )
        return nil
    }
}
