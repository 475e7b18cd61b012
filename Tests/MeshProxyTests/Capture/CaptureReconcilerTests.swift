import MeshModel
import Synchronization
import Testing

@testable import MeshProxy

/// The reconciler's decisions against a scripted runner (no iptables): when it reads the table,
/// what it applies, and how it recovers.
@Suite("Capture reconciler")
struct CaptureReconcilerTests {
    /// Answers `iptables-save` with `saved`, the canary check with `canary`, and fails the next
    /// `failRestores` restores, and a restore that deletes the canary's rule while `canary` is
    /// false (as iptables-restore does after a flush); records every command.
    final class ScriptedRunner: CommandRunner {
        struct Script {
            var saved = ""
            var canary = true
            var failRestores = 0
            var commands: [Command] = []
        }
        let script = Mutex(Script())

        func run(_ command: Command) async throws -> CommandOutput {
            script.withLock { script in
                script.commands.append(command)
                switch command.executable {
                case "iptables-save", "ip6tables-save":
                    return CommandOutput(status: 0, standardOutput: script.saved, standardError: "")
                case "iptables", "ip6tables":
                    let text = script.canary ? "-N MESHBOX-PROXY-CANARY\n-A MESHBOX-PROXY-CANARY -j RETURN\n" : ""
                    return CommandOutput(status: script.canary ? 0 : 1, standardOutput: text, standardError: "")
                default:
                    let probe = command.input?.contains("\n-D MESHBOX-PROXY-CANARY -j RETURN\n") == true
                    if script.failRestores > 0 || (probe && !script.canary) {
                        script.failRestores = max(0, script.failRestores - 1)
                        return CommandOutput(
                            status: 1,
                            standardOutput: "",
                            standardError: "iptables-restore: line 3 failed"
                        )
                    }
                    return CommandOutput(status: 0, standardOutput: "", standardError: "")
                }
            }
        }

        var executables: [String] { script.withLock { $0.commands.map(\.executable) } }
        var inputs: [String] { script.withLock { $0.commands.compactMap(\.input) } }
        func reset() { script.withLock { $0.commands = [] } }
    }

    let configuration = CaptureRulesTests.configuration.withoutIPv6

    @Test("first pass reads the table; later passes trust memory, checking the canary in their transaction")
    func firstPassReads() async throws {
        let runner = ScriptedRunner()
        let reconciler = CaptureReconciler(configuration: configuration, runner: runner)
        let first = try await reconciler.reconcile(CaptureRulesTests.services(3))
        #expect(runner.executables == ["iptables-save", "iptables-restore"])
        #expect(first[0].readTable && first[0].plan != nil)
        #expect(!runner.inputs[0].contains("-D MESHBOX-PROXY-CANARY"), "right after a read there is nothing to probe")
        runner.reset()
        let second = try await reconciler.reconcile(CaptureRulesTests.services(4))
        #expect(runner.executables == ["iptables-restore"])
        #expect(!second[0].readTable && second[0].plan?.rewrittenChains.count == 1)
        let input = try #require(runner.inputs.first)
        #expect(input.hasPrefix("*nat\n:MESHBOX-SVC-") && input.contains("\n-D MESHBOX-PROXY-CANARY -j RETURN\n"))
        #expect(input.hasSuffix("\n-A MESHBOX-PROXY-CANARY -j RETURN\nCOMMIT\n"))
        #expect(second[0].plan?.input.contains("CANARY") == false, "the report shows the plan itself")
    }

    @Test("a pass with nothing to write checks the canary with iptables")
    func upToDateChecksCanary() async throws {
        let runner = ScriptedRunner()
        let reconciler = CaptureReconciler(configuration: configuration, runner: runner)
        _ = try await reconciler.reconcile(CaptureRulesTests.services(3))
        runner.reset()
        let report = try await reconciler.reconcile(CaptureRulesTests.services(3))
        #expect(runner.executables == ["iptables"])
        #expect(report[0].plan == nil && !report[0].canaryMissing)
    }

    @Test("dual stack: a pass that writes IPv4 skips IPv6's idle canary check; a pass with nothing to write checks both")
    func idleFamilyCanary() async throws {
        let runner = ScriptedRunner()
        let reconciler = CaptureReconciler(configuration: CaptureRulesTests.configuration, runner: runner)
        _ = try await reconciler.reconcile(CaptureRulesTests.services(3))
        runner.reset()
        let change = try await reconciler.reconcile(CaptureRulesTests.services(4))
        #expect(runner.executables == ["iptables-restore"])
        #expect(change.count == 2 && change[0].plan != nil && change[1].plan == nil)
        runner.reset()
        _ = try await reconciler.reconcile(CaptureRulesTests.services(4))
        #expect(runner.executables == ["iptables", "ip6tables"])
    }

    @Test("a pass that writes into a flushed table fails its canary probe, reads the table and repairs")
    func probeFindsFlush() async throws {
        let runner = ScriptedRunner()
        let reconciler = CaptureReconciler(configuration: configuration, runner: runner)
        _ = try await reconciler.reconcile(CaptureRulesTests.services(3))
        runner.reset()
        runner.script.withLock { $0.canary = false }  // flushed: `saved` holds nothing of meshbox's
        let report = try await reconciler.reconcile(CaptureRulesTests.services(4))
        #expect(runner.executables == ["iptables-restore", "iptables-save", "iptables-restore"])
        #expect(report[0].canaryMissing && report[0].readTable)
        #expect(report[0].plan?.rewrittenChains.count == 6)  // everything, the canary included
    }

    @Test("a failed apply reads the table again and retries once")
    func failedApplyRetries() async throws {
        let runner = ScriptedRunner()
        let reconciler = CaptureReconciler(configuration: configuration, runner: runner)
        _ = try await reconciler.reconcile(CaptureRulesTests.services(3))
        runner.reset()
        runner.script.withLock { $0.failRestores = 1 }
        let report = try await reconciler.reconcile(CaptureRulesTests.services(2))
        #expect(runner.executables == ["iptables-restore", "iptables-save", "iptables-restore"])
        #expect(report[0].readTable)
    }

    @Test("a failure right after reading the table is thrown, and the next pass reads again")
    func failureAfterReadThrows() async throws {
        let runner = ScriptedRunner()
        runner.script.withLock { $0.failRestores = 1 }
        let reconciler = CaptureReconciler(configuration: configuration, runner: runner)
        await #expect(throws: (any Error).self) { try await reconciler.reconcile(CaptureRulesTests.services(3)) }
        runner.reset()
        _ = try await reconciler.reconcile(CaptureRulesTests.services(3))
        #expect(runner.executables == ["iptables-save", "iptables-restore"])
    }

    @Test("a missing canary makes the pass read the table and reinstall what is missing")
    func canaryMissing() async throws {
        let runner = ScriptedRunner()
        let reconciler = CaptureReconciler(configuration: configuration, runner: runner)
        _ = try await reconciler.reconcile(CaptureRulesTests.services(3))
        runner.reset()
        runner.script.withLock { $0.canary = false }
        let report = try await reconciler.reconcile(CaptureRulesTests.services(3))
        #expect(runner.executables == ["iptables", "iptables-save", "iptables-restore"])
        #expect(report[0].canaryMissing && report[0].readTable)
        #expect(report[0].plan?.rewrittenChains.count == 5)  // the saved table was empty: everything
    }

    @Test("concurrent passes do not interleave")
    func passesDoNotInterleave() async throws {
        let runner = ScriptedRunner()
        let reconciler = CaptureReconciler(configuration: configuration, runner: runner)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for count in 1...8 {
                group.addTask { _ = try await reconciler.reconcile(CaptureRulesTests.services(count)) }
            }
            try await group.waitForAll()
        }
        // One read (the first pass), then per pass a restore or a canary check.
        #expect(runner.executables.filter { $0 == "iptables-save" }.count == 1)
    }
}

extension CaptureConfiguration {
    var withoutIPv6: CaptureConfiguration {
        var copy = self
        copy.ipv6ServiceRange = nil
        return copy
    }
}
