import Foundation
import MeshCore

extension Appliance {
    /// Every file of the data directory holds state or a secret (the stores, the CA, the admin
    /// token, the redaction key, `console.url`): each is created mode 0600, and this tightens the
    /// files of an install made before that, at start, before any role opens them.
    static func restrictDataFiles(_ dataDirectory: String) throws {
        for directory in [dataDirectory, dataDirectory + "/ca"] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            do {
                try PrivateFile.restrict(names.map { directory + "/" + $0 })
            } catch {
                throw ApplianceError("data dir \(dataDirectory): \(error)")
            }
        }
    }
}
