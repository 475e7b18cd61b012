import Foundation
import Testing

@testable import MeshModel

/// Issue 18's promise, kept from rotting: every field the strict decoder accepts, for every kind,
/// either has a test that shows its effect (named in `FieldAuditTable.effects`) or is refused as
/// `not supported` (`unsupportedFields`). A field added to a type without either fails here.
@Suite("Field audit")
struct FieldAuditTests {
    /// Every accepted and refused field of every kind's types, as `Type.key` (`StringMatch.exact`).
    static let fields: (accepted: Set<String>, refused: Set<String>) = {
        var accepted: Set<String> = []
        var refused: Set<String> = []
        for kind in ResourceKind.allCases {
            let spec: (accepted: Set<String>, refused: Set<String>)
            switch kind {
            case .service: spec = FieldAuditProbe.fields(of: ServiceSpec.self)
            case .gateway: spec = FieldAuditProbe.fields(of: GatewaySpec.self)
            case .virtualService: spec = FieldAuditProbe.fields(of: VirtualServiceSpec.self)
            case .destinationRule: spec = FieldAuditProbe.fields(of: DestinationRuleSpec.self)
            case .serviceEntry: spec = FieldAuditProbe.fields(of: ServiceEntrySpec.self)
            case .peerAuthentication: spec = FieldAuditProbe.fields(of: PeerAuthenticationSpec.self)
            case .authorizationPolicy: spec = FieldAuditProbe.fields(of: AuthorizationPolicySpec.self)
            case .requestAuthentication: spec = FieldAuditProbe.fields(of: RequestAuthenticationSpec.self)
            // A Secret keeps its fields beside metadata, as in Kubernetes.
            case .secret: spec = FieldAuditProbe.fields(of: SecretSpec.self)
            }
            accepted.formUnion(spec.accepted)
            refused.formUnion(spec.refused)
        }
        let metadata = FieldAuditProbe.fields(of: ObjectMeta.self)
        return (accepted.union(metadata.accepted).subtracting(refused), refused.union(metadata.refused))
    }()

    @Test("the probe lists the fields a type asks for and the ones it refuses")
    func probeSeesFields() {
        let accepted = Self.fields.accepted
        #expect(accepted.contains("VirtualServiceSpec.HTTPMatchRequest.uri"))
        #expect(accepted.contains("StringMatch.prefix"))
        #expect(accepted.contains("GatewaySpec.Port.protocol"))
        #expect(accepted.contains("SecretSpec.stringData"))
        #expect(accepted.contains("ObjectMeta.labels"))
        #expect(!accepted.contains("VirtualServiceSpec.HTTPMatchRequest.sourceNamespace"))
        #expect(Self.fields.refused.contains("VirtualServiceSpec.HTTPMatchRequest.sourceNamespace"))
        #expect(Self.fields.refused.contains("VirtualServiceSpec.HTTPRoute.delegate"))
    }

    @Test("every accepted field has an effect test or a refusal")
    func everyFieldIsAccountedFor() {
        let accounted = Set(FieldAuditTable.effects.keys).union(FieldAuditTable.unaudited)
        let missing = Self.fields.accepted.subtracting(accounted).sorted()
        #expect(
            missing.isEmpty,
            "fields accepted with neither an effect test in FieldAuditTable nor a refusal: \(missing)")
    }

    @Test("the table names only fields the decoder accepts")
    func tableHasNoStaleEntries() {
        let listed = Set(FieldAuditTable.effects.keys)
        let entries = (FieldAuditTable.virtualService + FieldAuditTable.otherKinds).flatMap(\.fields)
        #expect(entries.count == listed.count, "a field is listed under two tests")
        #expect(listed.isDisjoint(with: FieldAuditTable.unaudited))
        #expect(listed.subtracting(Self.fields.accepted).sorted() == [])
        #expect(FieldAuditTable.unaudited.subtracting(Self.fields.accepted).sorted() == [])
    }

    @Test("every effect test the table names exists in Tests/")
    func namedTestsExist() throws {
        let tests = try Self.testSources()
        let absent = Set(FieldAuditTable.effects.values).filter { name in
            !tests.contains("@Test(\"\(name)\"") && !tests.contains("func \(name)(")
        }
        #expect(absent.sorted() == [])
    }

    /// Every Swift source under Tests/, with `@Test(` and its title joined when a line break parts them.
    static func testSources() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        guard let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return "" }
        var text = ""
        for case let file as URL in files where file.pathExtension == "swift" {
            text += try String(contentsOf: file, encoding: .utf8)
        }
        // Titles are compared as they read at run time: `\"` in a source literal is `"`.
        return text.replacing(/@Test\(\s*"/, with: "@Test(\"").replacing("\\\"", with: "\"")
    }
}
