import Foundation

/// The example resources under `etc/examples`, found from this file's location.
enum Examples {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("etc/examples")

    static let fileNames = [
        "gateway.yaml",
        "virtualservice-reviews.yaml",
        "destinationrule-reviews.yaml",
        "serviceentry-external.yaml",
        "service-reviews.yaml",
        "all-kinds.yaml",
    ]

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}
