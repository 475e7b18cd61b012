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

extension Appliance {
    static let redactionKeyBytes = 32

    /// The install's key for Secret placeholders (`<data-dir>/redaction.key`, 32 random bytes, mode
    /// 0600), made at first start. It keeps placeholders the same across restarts of one install
    /// and makes them useless for guessing values offline elsewhere.
    static func loadOrCreateRedactionKey(_ dataDirectory: String) throws -> [UInt8] {
        let path = dataDirectory + "/redaction.key"
        if let existing = FileManager.default.contents(atPath: path) {
            guard existing.count == redactionKeyBytes else {
                throw ApplianceError(
                    "\(path): expected \(redactionKeyBytes) bytes, found \(existing.count); remove it to make a new key (Secret placeholders then change)")
            }
            return Array(existing)
        }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<redactionKeyBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        do {
            try PrivateFile.write(key, to: path)
        } catch {
            throw ApplianceError("data dir \(dataDirectory): cannot create redaction.key: \(error)")
        }
        return key
    }
}
