import MeshXDSProto
import Testing

@testable import MeshXDSServer

@Suite("Incremental (delta) ADS, per stream")
struct DeltaStreamMachineTests {
    typealias F = ADSFixtures

    static var mesh: F.Mesh { SotWStreamMachineTests.mesh }

    @Test("a first request that subscribes to nothing is wildcard and gets everything; its ACK gets nothing")
    func wildcard() throws {
        var machine = DeltaStreamMachine()
        let resources = Self.mesh.resources
        let sent = try #require(machine.receive(F.delta(F.cluster, node: "n1"), resources: resources).responses.first)
        #expect(sent.names == ["a", "b"])
        #expect(sent.resources.allSatisfy { !$0.version.isEmpty })
        let ack = machine.receive(F.delta(F.cluster, nonce: sent.nonce), resources: resources)
        #expect(ack.responses.isEmpty)
        #expect(ack.events == [.acked(typeURL: F.cluster, version: "v1")])
    }

    @Test("a reconnect with initial_resource_versions gets only the changed resource and the removed one")
    func reconnect() throws {
        var first = DeltaStreamMachine()
        var mesh = Self.mesh
        let held = try #require(first.receive(F.delta(F.cluster), resources: mesh.resources).responses.first)
        let versions = Dictionary(uniqueKeysWithValues: held.resources.map { ($0.name, $0.version) })
        mesh.clusters["a"] = 3
        mesh.clusters["b"] = nil
        mesh.clusters["c"] = 1
        var second = DeltaStreamMachine()
        let again = try #require(
            second.receive(F.delta(F.cluster, initial: versions), resources: mesh.resources).responses.first
        )
        #expect(again.names == ["a", "c"])
        #expect(again.removedResources == ["b"])
        // Nothing changed at all: the first request is still answered, with nothing.
        let unchanged = Dictionary(uniqueKeysWithValues: again.resources.map { ($0.name, $0.version) })
        var third = DeltaStreamMachine()
        let empty = try #require(
            third.receive(F.delta(F.cluster, initial: unchanged), resources: mesh.resources).responses.first
        )
        #expect(empty.resources.isEmpty && empty.removedResources.isEmpty)
    }

    @Test("a resource removed from the snapshot appears in removed_resources")
    func removal() throws {
        var machine = DeltaStreamMachine()
        var mesh = Self.mesh
        let sent = try #require(
            machine.receive(F.delta(F.endpoints, subscribe: ["a", "b"]), resources: mesh.resources).responses.first
        )
        #expect(sent.names == ["a", "b"])
        mesh.endpoints["b"] = nil
        let pushed = try #require(machine.update(resources: mesh.resources).responses.first)
        #expect(pushed.resources.isEmpty)
        #expect(pushed.removedResources == ["b"])
    }

    @Test("a subscribed name is sent even if held, and a name that does not exist is reported removed")
    func subscribe() throws {
        var machine = DeltaStreamMachine()
        let resources = Self.mesh.resources
        _ = machine.receive(F.delta(F.route, subscribe: ["main"]), resources: resources)
        let again = try #require(
            machine.receive(F.delta(F.route, subscribe: ["main", "nope"]), resources: resources).responses.first
        )
        #expect(again.names == ["main"])
        #expect(again.removedResources == ["nope"])
        // Unsubscribed: a later change to it is not sent.
        _ = machine.receive(F.delta(F.route, unsubscribe: ["main"]), resources: resources)
        var mesh = Self.mesh
        mesh.routes["main"] = "b"
        #expect(machine.update(resources: mesh.resources).responses.isEmpty)
    }

    @Test("a NACK rolls back what the client holds; the rejected version is not resent, a newer one is")
    func nack() throws {
        var machine = DeltaStreamMachine()
        var mesh = Self.mesh
        let sent = try #require(machine.receive(F.delta(F.cluster), resources: mesh.resources).responses.first)
        _ = machine.receive(F.delta(F.cluster, nonce: sent.nonce), resources: mesh.resources)
        mesh.clusters["a"] = 0
        mesh.version = "v2"
        let bad = try #require(machine.update(resources: mesh.resources).responses.first)
        #expect(bad.names == ["a"])
        let nack = machine.receive(F.delta(F.cluster, nonce: bad.nonce, nack: "bad timeout"), resources: mesh.resources)
        #expect(nack.responses.isEmpty)
        #expect(nack.events == [.nacked(typeURL: F.cluster, version: "v2", message: "bad timeout")])
        mesh.clusters["c"] = 1
        let next = try #require(machine.update(resources: mesh.resources).responses.first)
        #expect(next.names == ["c"])  // not the rejected "a" again
        mesh.clusters["a"] = 5
        let fixed = try #require(machine.update(resources: mesh.resources).responses.first)
        #expect(fixed.names == ["a"])
    }

    @Test("a stale nonce does not count as an ACK, but its subscription change does")
    func staleNonce() throws {
        var machine = DeltaStreamMachine()
        let resources = Self.mesh.resources
        _ = machine.receive(F.delta(F.endpoints, subscribe: ["a"]), resources: resources)
        let reaction = machine.receive(F.delta(F.endpoints, subscribe: ["b"], nonce: "999"), resources: resources)
        #expect(reaction.events.first == .stale(typeURL: F.endpoints, nonce: "999"))
        #expect(reaction.responses.first?.names == ["b"])
    }

    @Test("after clusters change, their endpoints are sent again even if unchanged")
    func rewarm() throws {
        var machine = DeltaStreamMachine()
        var mesh = Self.mesh
        _ = machine.receive(F.delta(F.cluster), resources: mesh.resources)
        _ = machine.receive(F.delta(F.endpoints, subscribe: ["a", "b"]), resources: mesh.resources)
        mesh.clusters["a"] = 4
        let pushed = machine.update(resources: mesh.resources).responses
        #expect(pushed.map(\.typeURL) == [F.cluster, F.endpoints])
        #expect(pushed.last?.names == ["a"])
    }

    @Test("a route naming a new cluster waits until the client ACKed its endpoints")
    func routeWaitsForWarmCluster() throws {
        var machine = DeltaStreamMachine()
        var mesh = Self.mesh
        for request in [F.delta(F.cluster), F.delta(F.endpoints, subscribe: ["a", "b"]), F.delta(F.route, subscribe: ["main"])] {
            let sent = try #require(machine.receive(request, resources: mesh.resources).responses.first)
            _ = machine.receive(F.delta(request.typeURL, nonce: sent.nonce), resources: mesh.resources)  // ACK
        }
        mesh.clusters["c"] = 1
        mesh.endpoints["c"] = 8003
        mesh.routes["main"] = "c"
        let pushed = machine.update(resources: mesh.resources).responses
        #expect(pushed.map(\.typeURL) == [F.cluster])
        #expect(machine.holdingForWarming)
        #expect(machine.receive(F.delta(F.cluster, nonce: pushed[0].nonce), resources: mesh.resources).responses.isEmpty)
        let endpoints = machine.receive(F.delta(F.endpoints, subscribe: ["c"]), resources: mesh.resources).responses
        #expect(endpoints.map(\.names) == [["c"]])
        let warm = machine.receive(F.delta(F.endpoints, nonce: endpoints[0].nonce), resources: mesh.resources).responses
        #expect(warm.map(\.typeURL) == [F.route])
        #expect(warm.first?.names == ["main"])
        #expect(!machine.holdingForWarming)
    }

    @Test("only the newest unanswered responses are remembered: an answer to an older one is stale")
    func pendingBound() throws {
        var machine = DeltaStreamMachine()
        var mesh = Self.mesh
        let first = try #require(machine.receive(F.delta(F.cluster), resources: mesh.resources).responses.first)
        var last = first
        for timeout in 2...Int64(DeltaStreamMachine.pendingLimit + 1) {
            mesh.clusters["a"] = timeout
            last = try #require(machine.update(resources: mesh.resources).responses.first)
        }
        let old = machine.receive(F.delta(F.cluster, nonce: first.nonce), resources: mesh.resources)
        #expect(old.events == [.stale(typeURL: F.cluster, nonce: first.nonce)])
        let newest = machine.receive(F.delta(F.cluster, nonce: last.nonce), resources: mesh.resources)
        #expect(newest.events == [.acked(typeURL: F.cluster, version: "v1")])
    }
}
