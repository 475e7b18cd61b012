import MeshAppliance
import Testing

#if canImport(Glibc)
import Glibc
private let RLIMIT_NOFILE_RESOURCE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#elseif canImport(Darwin)
import Darwin
private let RLIMIT_NOFILE_RESOURCE = RLIMIT_NOFILE
#endif

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
        // Soft and hard are often equal already (here, and in most containers): one below the
        // hard limit first, so that the raise has something to do (and nothing else runs short).
        var current = rlimit()
        try #require(getrlimit(RLIMIT_NOFILE_RESOURCE, &current) == 0)
        var lowered = current
        lowered.rlim_cur = current.rlim_max - 1
        try #require(setrlimit(RLIMIT_NOFILE_RESOURCE, &lowered) == 0)
        let limits = try #require(DescriptorBudget.raiseSoftLimit())
        #expect(limits.before.soft == Int(current.rlim_max - 1))
        #if os(Linux)
        #expect(limits.after.soft == limits.after.hard)
        #endif
    }
}
