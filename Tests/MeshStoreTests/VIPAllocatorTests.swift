import MeshAPI
import MeshModel
import Testing

@testable import MeshStore

@Suite("VIPAllocator")
struct VIPAllocatorTests {
    let allocator = VIPAllocator(ranges: [VIPRange("240.240.0.0/16")!])

    @Test("a new service's VIP is the hash of namespace/name into the range")
    func hashed() {
        let plan = allocator.plan(changes: [(serviceKey("web"), service("web"))], holders: [:], current: { _ in [] })
        let index = VIPAllocator.fnv1a("default/web") % 65534
        #expect(plan.vips[serviceKey("web")] == [VIPAssignment(address: VIPRange("240.240.0.0/16")!.address(at: index))])
        #expect(plan.issues.isEmpty)
    }

    @Test("a taken hash slot probes on to the next free address")
    func probes() {
        let range = VIPRange("240.240.0.0/16")!
        let home = range.address(at: VIPAllocator.fnv1a("default/web") % range.count)
        let plan = allocator.plan(
            changes: [(serviceKey("web"), service("web"))],
            holders: [home: serviceKey("other")],
            current: { _ in [] }
        )
        let next = range.address(at: (VIPAllocator.fnv1a("default/web") + 1) % range.count)
        #expect(plan.vips[serviceKey("web")]?.map(\.address) == [next])
    }

    @Test("input order does not change the outcome")
    func orderIndependent() {
        let small = VIPAllocator(ranges: [VIPRange("240.240.0.0/29")!])
        let changes = (0..<6).map { (serviceKey("s\($0)"), Optional(service("s\($0)"))) }
        let forward = small.plan(changes: changes, holders: [:], current: { _ in [] })
        let backward = small.plan(changes: changes.reversed(), holders: [:], current: { _ in [] })
        #expect(forward.vips == backward.vips)
        #expect(Set(forward.vips.values.flatMap { $0.map(\.address) }).count == 6)
    }

    @Test("an address a ServiceEntry lists is never allocated")
    func reserved() {
        let range = VIPRange("240.240.0.0/16")!
        let home = range.address(at: VIPAllocator.fnv1a("default/web") % range.count)
        let entry = serviceEntry("db", hosts: ["db.example.com"], addresses: ["\(home)/32", "10.0.0.0/8"])
        #expect(VIPAllocator.reserved([entry]) == [home])
        let plan = allocator.plan(
            changes: [(serviceKey("web"), service("web"))],
            holders: [:],
            current: { _ in [] },
            reserved: VIPAllocator.reserved([entry])
        )
        #expect(plan.vips[serviceKey("web")]?.map(\.address) == [range.address(at: (VIPAllocator.fnv1a("default/web") + 1) % range.count)])
    }
}
