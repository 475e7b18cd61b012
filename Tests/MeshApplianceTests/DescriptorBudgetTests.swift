import MeshAppliance
import Testing

@Suite("DescriptorBudget")
struct DescriptorBudgetTests {
    @Test(
        "the limit is shared out: a reserve, the console's eighth (16 to 256), half of the rest for the gateway's clients",
        arguments: [
            (limit: 1024, reserved: 144, console: 128, gateway: 376),
            (limit: 256, reserved: 144, console: 32, gateway: 40),
            (limit: 1_048_576, reserved: 144, console: 256, gateway: 524_088),
        ])
    func shares(_ expected: (limit: Int, reserved: Int, console: Int, gateway: Int)) {
        let budget = DescriptorBudget(limit: expected.limit, threads: 2, cores: 2)
        #expect(budget.reserved == expected.reserved)
        #expect(budget.consoleConnections == expected.console)
        #expect(budget.gatewayConnections == expected.gateway)
        // Clients and their upstream connections, the console and the reserve fit in the limit.
        #expect(budget.reserved + budget.consoleConnections + 2 * budget.gatewayConnections <= expected.limit)
    }

    @Test("a limit below the reserve still leaves the gateway and the console a few connections")
    func tinyLimit() {
        let budget = DescriptorBudget(limit: 64, threads: 1, cores: 1)
        #expect(budget.gatewayConnections == 16 && budget.consoleConnections == 16)
    }

    @Test("the soft limit is raised to the hard one")
    func raised() throws {
        let limits = try #require(DescriptorBudget.raiseSoftLimit())
        #expect(limits.after.soft >= limits.before.soft)
        #if os(Linux)
        #expect(limits.after.soft == limits.after.hard)
        #endif
    }
}
