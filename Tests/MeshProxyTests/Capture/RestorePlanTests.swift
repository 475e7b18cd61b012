import MeshModel
import Testing

@testable import MeshProxy

@Suite("Restore plan")
struct RestorePlanTests {
    let configuration = CaptureRulesTests.configuration

    func rules(_ services: [ServiceVIP]) -> NATChains {
        CaptureRules(services: services, family: .ipv4, configuration: configuration).chains
    }

    @Test("from nothing: every chain declared, the hooks inserted, the rules appended")
    func fromNothing() throws {
        let plan = try #require(RestorePlan(from: NATChains(), to: rules(CaptureRulesTests.services(3))))
        let lines = plan.input.split(separator: "\n").map(String.init)
        #expect(lines.first == "*nat")
        #expect(lines.last == "COMMIT")
        #expect(lines.filter { $0.hasPrefix(":") }.count == 5)
        #expect(lines.filter { $0.hasPrefix("-I OUTPUT ") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("-I PREROUTING ") }.count == 1)
        #expect(
            lines.firstIndex(of: "-A MESHBOX-SERVICES -m mark --mark 0x4d42 -j RETURN")!
                < lines.firstIndex { $0.hasPrefix("-A MESHBOX-SERVICES -d ") }!
        )
        #expect(plan.deletedRules == 0)
        #expect(plan.addedRules == 2 + 4 + 6 + 1)
        // Every declaration comes before the first rule that could refer to it.
        #expect(lines.lastIndex { $0.hasPrefix(":") }! < lines.firstIndex { $0.hasPrefix("-") }!)
    }

    @Test("nothing to do when the table already holds the rules")
    func upToDate() {
        let chains = rules(CaptureRulesTests.services(10))
        #expect(RestorePlan(from: chains, to: chains) == nil)
    }

    @Test("a service's ports change: only its chain is rewritten")
    func portsChange() throws {
        var services = CaptureRulesTests.services(100)
        let before = rules(services)
        services[42].ports = [.init(number: 8080)]
        let plan = try #require(RestorePlan(from: before, to: rules(services)))
        let chain = CaptureRules.chainName(forService: services[42].key)
        #expect(
            plan.input
                == "*nat\n:\(chain) - [0:0]\n-A \(chain) -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 15001\nCOMMIT\n"
        )
    }

    @Test("the canary probe deletes the canary's rule after the declarations and appends it before COMMIT")
    func canaryProbe() throws {
        var services = CaptureRulesTests.services(10)
        let before = rules(services)
        services[4].ports = [.init(number: 8080)]
        let plan = try #require(RestorePlan(from: before, to: rules(services)))
        let probing = try #require(plan.probingCanary())
        let chain = CaptureRules.chainName(forService: services[4].key)
        #expect(
            probing.input
                == "*nat\n:\(chain) - [0:0]\n-D MESHBOX-PROXY-CANARY -j RETURN\n"
                + "-A \(chain) -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 15001\n"
                + "-A MESHBOX-PROXY-CANARY -j RETURN\nCOMMIT\n")
        #expect(probing.rewrittenChains == plan.rewrittenChains && probing.addedRules == plan.addedRules)
        // A plan that declares the canary chain (flushing it) cannot probe it.
        #expect(try #require(RestorePlan(from: NATChains(), to: before)).probingCanary() == nil)
    }

    @Test("a service's VIP changes: only its jump line is replaced, its chain stays")
    func vipChange() throws {
        var services = CaptureRulesTests.services(100)
        let before = rules(services)
        services[7].address = "240.240.200.200"
        let plan = try #require(RestorePlan(from: before, to: rules(services)))
        let chain = CaptureRules.chainName(forService: services[7].key)
        #expect(
            plan.input == """
                *nat
                -D MESHBOX-SERVICES -d 240.240.0.8/32 -m comment --comment "default/svc-7" -j \(chain)
                -A MESHBOX-SERVICES -d 240.240.200.200/32 -m comment --comment "default/svc-7" -j \(chain)
                COMMIT

                """
        )
    }

    @Test("a service added and one deleted: one chain created, one flushed and deleted after its jump goes")
    func addAndDelete() throws {
        var services = CaptureRulesTests.services(10)
        let before = rules(services)
        let gone = services.remove(at: 3)
        services.append(
            ServiceVIP(key: "default/new", address: "240.240.9.9", ports: [.init(number: 443, protocol: .tls)])
        )
        let plan = try #require(RestorePlan(from: before, to: rules(services)))
        let old = CaptureRules.chainName(forService: gone.key)
        let new = CaptureRules.chainName(forService: "default/new")
        let lines = plan.input.split(separator: "\n").map(String.init)
        #expect(Set(lines.filter { $0.hasPrefix(":") }) == [":\(old) - [0:0]", ":\(new) - [0:0]"])
        #expect(
            lines.filter { $0.hasPrefix("-D ") } == [
                "-D MESHBOX-SERVICES -d 240.240.0.4/32 -m comment --comment \"default/svc-3\" -j \(old)"
            ]
        )
        #expect(
            lines.filter { $0.hasPrefix("-A MESHBOX-SERVICES") } == [
                "-A MESHBOX-SERVICES -d 240.240.9.9/32 -m comment --comment \"default/new\" -j \(new)"
            ]
        )
        #expect(lines.contains("-A \(new) -p tcp -m tcp --dport 443 -j REDIRECT --to-ports 15001"))
        #expect(lines[lines.count - 2] == "-X \(old)")
        #expect(plan.rewrittenChains == [new])
        #expect(plan.deletedChains == [old])
    }

    @Test("a new mark rewrites MESHBOX-SERVICES whole, so RETURN stays first")
    func markChange() throws {
        let services = CaptureRulesTests.services(3)
        let before = rules(services)
        var changed = configuration
        changed.mark = 0x99
        let after = CaptureRules(services: services, family: .ipv4, configuration: changed).chains
        let plan = try #require(RestorePlan(from: before, to: after))
        #expect(plan.rewrittenChains == [CaptureRules.servicesChain])
        #expect(plan.input.contains(":MESHBOX-SERVICES - [0:0]\n-A MESHBOX-SERVICES -m mark --mark 0x99 -j RETURN\n"))
    }

    @Test("a new VIP range replaces the hook jumps by their saved text")
    func rangeChange() throws {
        let services = [ServiceVIP(key: "a", address: "240.241.0.1", ports: [.init(number: 80)])]
        var wide = configuration
        wide.ipv4ServiceRange = "240.240.0.0/15"
        let plan = try #require(
            RestorePlan(
                from: rules([]),
                to: CaptureRules(services: services, family: .ipv4, configuration: wide).chains
            )
        )
        #expect(
            plan.input.contains(
                "-D OUTPUT -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES\n"
            )
        )
        #expect(
            plan.input.contains(
                "-I OUTPUT -d 240.240.0.0/15 -m comment --comment meshbox-services -j MESHBOX-SERVICES\n"
            )
        )
    }

    @Test("uninstall deletes the jumps, flushes and deletes every meshbox chain, touches nothing else")
    func uninstall() throws {
        let saved = """
            # Generated by iptables-save v1.8.9 (nf_tables)
            *filter
            :INPUT ACCEPT [0:0]
            -A INPUT -j MESHBOX-NOT-NAT
            COMMIT
            *nat
            :PREROUTING ACCEPT [3:180]
            :OUTPUT ACCEPT [0:0]
            :MESHBOX-SERVICES - [0:0]
            :MESHBOX-SVC-OLDCRASHEDRUNXXXX - [0:0]
            :MESHBOX-PROXY-CANARY - [0:0]
            :DOCKER - [0:0]
            -A PREROUTING -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES
            -A OUTPUT -d 10.0.0.0/8 -m comment --comment "not -j MESHBOX-SERVICES" -j DOCKER
            -A OUTPUT -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES
            -A MESHBOX-SERVICES -m mark --mark 0x4d42 -j RETURN
            -A MESHBOX-SERVICES -d 240.240.0.1/32 -j MESHBOX-SVC-OLDCRASHEDRUNXXXX
            -A MESHBOX-SVC-OLDCRASHEDRUNXXXX -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001
            -A DOCKER -j RETURN
            COMMIT
            """
        let installed = NATChains(iptablesSave: saved)
        #expect(installed.chains.count == 3)
        #expect(installed.jumps.keys.sorted() == ["OUTPUT", "PREROUTING"])
        let plan = try #require(RestorePlan.uninstall(installed))
        #expect(
            plan.input == """
                *nat
                :MESHBOX-PROXY-CANARY - [0:0]
                :MESHBOX-SERVICES - [0:0]
                :MESHBOX-SVC-OLDCRASHEDRUNXXXX - [0:0]
                -D OUTPUT -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES
                -D PREROUTING -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES
                -X MESHBOX-PROXY-CANARY
                -X MESHBOX-SERVICES
                -X MESHBOX-SVC-OLDCRASHEDRUNXXXX
                COMMIT

                """
        )
        #expect(RestorePlan.uninstall(NATChains()) == nil)
    }

    @Test("adopting a crashed run's table keeps what matches and fixes the rest")
    func adopt() throws {
        let services = CaptureRulesTests.services(3)
        let desired = rules(services)
        var crashed = desired
        crashed.chains["MESHBOX-SVC-STALE"] = ["-p tcp -m tcp --dport 1 -j REDIRECT --to-ports 15001"]
        crashed.jumps["OUTPUT"]! += crashed.jumps["OUTPUT"]!  // inserted twice
        let plan = try #require(RestorePlan(from: crashed, to: desired))
        #expect(
            plan.input == """
                *nat
                :MESHBOX-SVC-STALE - [0:0]
                -D OUTPUT -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES
                -X MESHBOX-SVC-STALE
                COMMIT

                """
        )
    }
}
