import Foundation
import MeshModel
import Testing

@Suite("Encoding")
struct RoundTripTests {
    @Test("JSONEncoder then Resource(from:) gives the same resources", arguments: Examples.fileNames)
    func jsonRoundTrip(fileName: String) throws {
        let resources = try ResourceDecoder.decode(try Examples.text(fileName))
        let data = try JSONEncoder().encode(resources)
        #expect(try JSONDecoder().decode([Resource].self, from: data) == resources)
    }

    /// Secret values come out redacted; applied back, the placeholders take the stored values.
    @Test("ResourceEncoder YAML and JSON decode back strictly to the same resources", arguments: Examples.fileNames)
    func encoderRoundTrip(fileName: String) throws {
        let resources = try ResourceDecoder.decode(try Examples.text(fileName))
        let stored = Dictionary(uniqueKeysWithValues: resources.map { ($0.key, $0) })
        for text in [ResourceEncoder.yaml(resources), ResourceEncoder.json(resources)] {
            #expect(try ResourceDecoder.decodeReportingWarnings(text, restoringRedactedSecretsFrom: stored).resources == resources)
        }
    }

    @Test("absent fields are omitted and keys are sorted")
    func compactOutput() throws {
        let resource = Resource(
            metadata: ObjectMeta(name: "web"),
            spec: .service(ServiceSpec(ports: [.init(name: "http", number: 80, protocol: .http)]))
        )
        #expect(
            ResourceEncoder.json(resource, prettyPrinted: false)
                == #"{"apiVersion":"meshbox.io/v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"ports":[{"name":"http","number":80,"protocol":"HTTP"}]}}"#
        )
        #expect(ResourceEncoder.yaml([resource, resource]).components(separatedBy: "---\n").count == 2)
    }

    @Test("YAML output writes numbers and string-looking values as they read back")
    func yamlScalars() throws {
        let resources = try ResourceDecoder.decode(try Examples.text("all-kinds.yaml"))
        let yaml = ResourceEncoder.yaml(resources)
        #expect(yaml.contains("value: 0.5\n"))
        #expect(yaml.contains("- '8080'\n"))
        #expect(yaml.hasPrefix("apiVersion: meshbox.io/v1\nkind: Service\nmetadata:\n  name: ratings\n"))
    }

    @Test("one-of values encode as Istio writes them")
    func oneOfEncoding() throws {
        let spec = VirtualServiceSpec(
            hosts: ["a"],
            http: [
                .init(
                    match: [.init(uri: .prefix("/api"))],
                    directResponse: .init(status: 503, body: .bytes(Data([1, 2, 3])))
                )
            ]
        )
        let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        #expect(json.contains(#""uri":{"prefix":"\/api"}"#) || json.contains(#""uri":{"prefix":"/api"}"#))
        #expect(json.contains(#""bytes":"AQID""#))
        #expect(try JSONDecoder().decode(VirtualServiceSpec.self, from: Data(json.utf8)) == spec)
    }
}
