import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshRegistry
import MeshTesting
import Testing

@Suite("Registry: service accounts and runAs")
struct ServiceAccountTests {
    static func registration(serviceAccount: String? = nil, runAs: String? = nil) -> InstanceRegistration {
        InstanceRegistration(
            service: "reviews",
            namespace: "bookinfo",
            address: "10.0.0.5",
            ports: [.init(name: "http", number: 9080)],
            node: "host-b",
            serviceAccount: serviceAccount,
            runAs: runAs
        )
    }

    @Test("an instance runs as service account default unless registered otherwise, and keeps its runAs")
    func defaults() async throws {
        try await withRegistry { registry, _, _ in
            let plain = try await registry.register(Self.registration())
            #expect(plain.serviceAccount == "default")
            #expect(plain.runAs == nil)
            #expect(plain.spiffeID(trustDomain: "cluster.local") == "spiffe://cluster.local/ns/bookinfo/sa/default")

            let named = try await registry.register(
                Self.registration(serviceAccount: "bookinfo-reviews", runAs: "reviews")
            )
            #expect(named.id == plain.id)
            #expect(named.serviceAccount == "bookinfo-reviews")
            #expect(named.runAs == "reviews")
            #expect(
                named.spiffeID(trustDomain: "cluster.local") == "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews"
            )
            let listed = try await registry.instances(service: "reviews", namespace: nil)
            #expect(listed.map(\.serviceAccount) == ["bookinfo-reviews"])
        }
    }

    static let accepted = ["nobody", "65534", "0", "svc_reviews-1", "machine$", "_apt"]

    @Test("runAs takes a user name or a numeric uid", arguments: accepted)
    func acceptedRunAs(runAs: String) async throws {
        try await withRegistry { registry, _, _ in
            let instance = try await registry.register(Self.registration(runAs: runAs))
            #expect(instance.runAs == runAs)
        }
    }

    static let refused: [(String?, String?, String)] = [
        ("Reviews", nil, "serviceAccount: must be a DNS-1123 label (lower-case letters, digits and '-')"),
        ("", nil, "serviceAccount: must not be empty"),
        ("reviews-", nil, "serviceAccount: must be a DNS-1123 label (lower-case letters, digits and '-')"),
        (String(repeating: "a", count: 64), nil, "serviceAccount: must be at most 63 characters"),
        (nil, "", "runAs: must not be empty"),
        (nil, "4294967295", "runAs: uid 4294967295 is out of range (0-4294967294)"),
        (nil, "99999999999", "runAs: uid 99999999999 is out of range (0-4294967294)"),
        (
            nil, "Reviews",
            "runAs: must be a user name (lower-case letters, digits, '_' and '-', at most 32) or a numeric uid"
        ),
        (
            nil, "re views",
            "runAs: must be a user name (lower-case letters, digits, '_' and '-', at most 32) or a numeric uid"
        ),
        (
            nil, "1reviews",
            "runAs: must be a user name (lower-case letters, digits, '_' and '-', at most 32) or a numeric uid"
        ),
        (
            nil, String(repeating: "a", count: 33),
            "runAs: must be a user name (lower-case letters, digits, '_' and '-', at most 32) or a numeric uid"
        ),
    ]

    @Test("a bad service account or runAs is refused with its field path", arguments: refused)
    func refusedFields(serviceAccount: String?, runAs: String?, expected: String) async throws {
        try await withRegistry { registry, _, _ in
            let error = await #expect(throws: MeshError.self) {
                try await registry.register(Self.registration(serviceAccount: serviceAccount, runAs: runAs))
            }
            #expect(error?.code == .validation)
            #expect(error?.details == [expected])
        }
    }

    @Test("service account and runAs survive a restart")
    func persisted() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-registry-sa")
        defer { directory.remove() }
        let url = URL(fileURLWithPath: directory.path)
        try await withRegistry(directory: url) { registry, _, _ in
            _ = try await registry.register(Self.registration(serviceAccount: "bookinfo-reviews", runAs: "1001"))
        }
        try await withRegistry(directory: url) { registry, _, _ in
            let all = try await registry.instances(service: nil, namespace: nil)
            let restored = try #require(all.first)
            #expect(restored.serviceAccount == "bookinfo-reviews")
            #expect(restored.runAs == "1001")
        }
    }

    /// The first schema, as meshbox wrote it before instances had service accounts.
    static let oldSchema = """
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES ('v1');
        CREATE TABLE instance (id TEXT NOT NULL PRIMARY KEY, registration BLOB NOT NULL, registered_at DOUBLE NOT NULL);
        """

    static func oldRow(_ id: String, _ service: String, labels: String) -> String {
        let json =
            #"{"address":"10.0.0.9","id":"\#(id)","labels":\#(labels),"namespace":"shop","node":"host-a","ports":[{"number":80}],"service":"\#(service)","weight":1}"#
        return "INSERT INTO instance VALUES ('\(id)', CAST('\(json)' AS BLOB), 1700000000);"
    }

    @Test("a data dir from before service accounts upgrades: default, or the serviceAccount label that stood for it")
    func migratesOldDatabase() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-registry-v1")
        defer { directory.remove() }
        let script = [
            Self.oldSchema,
            Self.oldRow("cart-1", "cart", labels: "{}"),
            Self.oldRow("pay-1", "payments", labels: #"{"serviceAccount":"payments-sa","tier":"gold"}"#),
            Self.oldRow("bad-1", "legacy", labels: #"{"serviceAccount":"Not_A_Label"}"#),
        ].joined(separator: "\n")
        let created = try await Tool.run("sqlite3", [directory.file("registry.sqlite"), script])
        #expect(created.status == 0, "\(created.output)")

        let url = URL(fileURLWithPath: directory.path)
        try await withRegistry(directory: url) { registry, _, _ in
            let instances = try await registry.instances(service: nil, namespace: nil)
            #expect(instances.map(\.id) == ["bad-1", "cart-1", "pay-1"])
            #expect(instances.map(\.serviceAccount) == ["default", "default", "payments-sa"])
            #expect(instances.allSatisfy { $0.runAs == nil && $0.node == "host-a" })
            #expect(instances[2].labels == ["serviceAccount": "payments-sa", "tier": "gold"])
        }
        // The rows themselves were rewritten: the migration ran once, and its result is stored.
        let stored = try await Tool.run(
            "sqlite3",
            [
                directory.file("registry.sqlite"),
                "SELECT CAST(registration AS TEXT) FROM instance WHERE id = 'cart-1'; SELECT identifier FROM grdb_migrations ORDER BY identifier;",
            ]
        )
        #expect(stored.output.contains(#""serviceAccount":"default""#), "\(stored.output)")
        #expect(stored.output.contains("v2-service-account"), "\(stored.output)")
    }

    @Test("a ServiceEntry endpoint's serviceAccount becomes its instance's, default otherwise")
    func serviceEntryAccounts() async throws {
        try await withRegistry { registry, _, _ in
            let spec = ServiceEntrySpec(
                hosts: ["payments.example.com"],
                ports: [.init(number: 443, name: "https")],
                resolution: .static,
                endpoints: [
                    WorkloadEntry(address: "192.0.2.10", serviceAccount: "payments"),
                    WorkloadEntry(address: "192.0.2.11"),
                ]
            )
            await registry.applyConfig(ServiceEntryTests.config(revision: 1, entries: [("payments", spec)]))
            let instances = try await registry.instances(service: nil, namespace: nil)
            #expect(instances.map(\.serviceAccount) == ["payments", "default"])
            #expect(instances.map(\.node) == ["", ""])
        }
    }
}
