import MeshXDSProto
import Testing

@testable import MeshXDSServer

@Suite("State of the world ADS, per stream")
struct SotWStreamMachineTests {
    typealias F = ADSFixtures

    static var mesh: F.Mesh {
        var mesh = F.Mesh()
        mesh.clusters = ["a": 1, "b": 1]
        mesh.endpoints = ["a": 8001, "b": 8002]
        mesh.listeners = ["http": (port: 10000, route: "main")]
        mesh.routes = ["main": "a", "other": "b"]
        return mesh
    }

    @Test("the first request of a wildcard type gets every resource; EDS gets only the names asked for")
    func firstRequests() {
        var machine = SotWStreamMachine()
        let resources = Self.mesh.resources
        let clusters = machine.receive(F.sotw(F.cluster, node: "n1"), resources: resources).responses
        #expect(clusters.count == 1)
        #expect(clusters.first?.names == ["a", "b"])
        #expect(clusters.first?.nonce.isEmpty == false)
        let endpoints = machine.receive(F.sotw(F.endpoints, names: ["b", "missing"]), resources: resources).responses
        #expect(endpoints.first?.names == ["b"])
        #expect(endpoints.first?.nonce != clusters.first?.nonce)
    }

    @Test("an ACK of the latest nonce asks for nothing, and the ACKed version is recorded")
    func ackSendsNothing() throws {
        var machine = SotWStreamMachine()
        let resources = Self.mesh.resources
        let sent = try #require(machine.receive(F.sotw(F.cluster), resources: resources).responses.first)
        let ack = machine.receive(F.sotw(F.cluster, version: sent.versionInfo, nonce: sent.nonce), resources: resources)
        #expect(ack.responses.isEmpty)
        #expect(ack.events == [.acked(typeURL: F.cluster, version: sent.versionInfo)])
    }

    @Test("a request echoing an older nonce is stale: ignored, even when it changes the names")
    func staleNonce() throws {
        var machine = SotWStreamMachine()
        var mesh = Self.mesh
        let first = try #require(
            machine.receive(F.sotw(F.endpoints, names: ["a"]), resources: mesh.resources).responses.first
        )
        mesh.endpoints["a"] = 9001
        let second = try #require(machine.update(resources: mesh.resources).responses.first)
        #expect(second.nonce != first.nonce)
        let stale = machine.receive(
            F.sotw(F.endpoints, names: ["a", "b"], version: first.versionInfo, nonce: first.nonce),
            resources: mesh.resources
        )
        #expect(stale.responses.isEmpty)
        #expect(stale.events == [.stale(typeURL: F.endpoints, nonce: first.nonce)])
        // The same subscription change on the latest nonce is answered.
        let current = machine.receive(
            F.sotw(F.endpoints, names: ["a", "b"], version: second.versionInfo, nonce: second.nonce),
            resources: mesh.resources
        )
        #expect(current.responses.first?.names == ["a", "b"])
    }

    @Test("a NACK sends nothing, the rejected version is not pushed again, a newer one is")
    func nack() throws {
        var machine = SotWStreamMachine()
        var mesh = Self.mesh
        mesh.clusters["a"] = 0
        let bad = try #require(machine.receive(F.sotw(F.cluster), resources: mesh.resources).responses.first)
        let nack = machine.receive(
            F.sotw(F.cluster, nonce: bad.nonce, nack: "connect_timeout must be > 0"),
            resources: mesh.resources
        )
        #expect(nack.responses.isEmpty)
        #expect(
            nack.events == [
                .nacked(typeURL: F.cluster, version: bad.versionInfo, message: "connect_timeout must be > 0")
            ]
        )
        mesh.listeners["extra"] = (port: 10001, route: "main")  // another type changes: clusters stay rejected
        #expect(machine.update(resources: mesh.resources).responses.isEmpty)
        mesh.clusters["a"] = 2
        let fixed = machine.update(resources: mesh.resources).responses
        #expect(fixed.map(\.typeURL) == [F.cluster])
        #expect(fixed.first?.versionInfo != bad.versionInfo)
    }

    @Test("changes are pushed clusters, endpoints, listeners, routes; endpoints again after clusters change")
    func pushOrder() {
        var machine = SotWStreamMachine()
        var mesh = Self.mesh
        let resources = mesh.resources
        for request in [
            F.sotw(F.route, names: ["main"]), F.sotw(F.listener), F.sotw(F.endpoints, names: ["a", "b"]),
            F.sotw(F.cluster),
        ] {
            _ = machine.receive(request, resources: resources)
        }
        mesh.clusters["c"] = 1
        mesh.endpoints["c"] = 8003
        mesh.listeners["http"] = (port: 10000, route: "main2")
        mesh.routes["main"] = "c"
        let pushed = machine.update(resources: mesh.resources).responses
        // Endpoints did not change, but a changed cluster warms until an EDS response comes; the
        // listener and the route that names the new cluster wait until it is warm.
        #expect(pushed.map(\.typeURL) == [F.cluster, F.endpoints])
        #expect(machine.holdingForWarming)
        let clusters = pushed[0]
        let endpoints = pushed[1]
        let clustersACK = machine.receive(
            F.sotw(F.cluster, version: clusters.versionInfo, nonce: clusters.nonce), resources: mesh.resources)
        #expect(clustersACK.responses.isEmpty)
        // The ACK of endpoints for a and b only, asking for c as well: c's endpoints, still no route.
        let subscribe = machine.receive(
            F.sotw(F.endpoints, names: ["a", "b", "c"], version: endpoints.versionInfo, nonce: endpoints.nonce),
            resources: mesh.resources
        ).responses
        #expect(subscribe.map(\.typeURL) == [F.endpoints])
        #expect(subscribe.first?.names == ["a", "b", "c"])
        // Endpoints of every cluster ACKed: the held listener and route go out.
        let warm = machine.receive(
            F.sotw(F.endpoints, names: ["a", "b", "c"], version: subscribe[0].versionInfo, nonce: subscribe[0].nonce),
            resources: mesh.resources
        ).responses
        #expect(warm.map(\.typeURL) == [F.listener, F.route])
        #expect(!machine.holdingForWarming)
    }

    @Test("rejected clusters end the hold: the listeners and routes go as they would have")
    func rejectedClustersRelease() throws {
        var machine = SotWStreamMachine()
        var mesh = Self.mesh
        for request in [F.sotw(F.route, names: ["main"]), F.sotw(F.endpoints, names: ["a", "b"]), F.sotw(F.cluster)] {
            _ = machine.receive(request, resources: mesh.resources)
        }
        mesh.clusters["a"] = 0
        mesh.routes["main"] = "b"
        let pushed = try #require(machine.update(resources: mesh.resources).responses.first)
        #expect(pushed.typeURL == F.cluster)
        let nack = machine.receive(F.sotw(F.cluster, nonce: pushed.nonce, nack: "connect_timeout"), resources: mesh.resources)
        #expect(nack.responses.map(\.typeURL) == [F.route])
    }

    @Test("nothing is pushed when the resources did not change, and nothing for types never asked for")
    func noChange() {
        var machine = SotWStreamMachine()
        let resources = Self.mesh.resources
        _ = machine.receive(F.sotw(F.listener), resources: resources)
        #expect(machine.update(resources: resources).responses.isEmpty)
        var mesh = Self.mesh
        mesh.clusters["z"] = 1
        #expect(machine.update(resources: mesh.resources).responses.isEmpty)
    }
}
