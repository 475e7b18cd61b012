import MeshModel
import Testing

/// meshbox exports every VirtualService, DestinationRule and ServiceEntry to every namespace, so
/// `exportTo` other than `*` is refused with its path instead of being ignored.
@Suite("exportTo")
struct ExportToTests {
    /// One valid spec of each kind that has `exportTo`, with `exportTo: <list>` added.
    static func specs(_ list: String) -> [(ResourceKind, String)] {
        [
            (.virtualService, "{hosts: [a], exportTo: \(list), http: [{route: [{destination: {host: reviews}}]}]}"),
            (.destinationRule, "{host: reviews, exportTo: \(list)}"),
            (.serviceEntry, "{hosts: [api.example.com], ports: [{number: 443, name: tls}], resolution: DNS, exportTo: \(list)}"),
        ]
    }

    static let notSupported = "is not supported: meshbox exports to every namespace, only \"*\" is accepted"

    @Test("[\"*\"] and an absent exportTo apply on every kind")
    func starApplies() {
        for (kind, spec) in Self.specs("[\"*\"]") + Self.specs("[]") {
            #expect(validation(kind, spec) == [], "\(kind.rawValue)")
        }
    }

    @Test("\".\" and namespace names are refused with the entry's path on every kind", arguments: [".", "shop"])
    func refused(_ entry: String) {
        for (kind, spec) in Self.specs("[\"\(entry)\"]") {
            #expect(validation(kind, spec) == ["spec.exportTo[0]: \"\(entry)\" \(Self.notSupported)"], "\(kind.rawValue)")
        }
    }

    @Test("a refused entry after * is named by its own index; a second * is a duplicate")
    func positions() {
        #expect(
            validation(.destinationRule, "{host: reviews, exportTo: [\"*\", shop, \"*\"]}") == [
                "spec.exportTo[1]: \"shop\" \(Self.notSupported)",
                "spec.exportTo[2]: duplicate entry \"*\"",
            ])
    }
}
