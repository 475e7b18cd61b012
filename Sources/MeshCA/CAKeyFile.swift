import Foundation
import MeshCore

/// Files of the CA directory. Every file is written through `PrivateFile`: mode 0600 from the
/// start, to a temporary file renamed into place, so a key is never readable by others, not even
/// for a moment, and a crash leaves either no file or a whole one.
enum CAKeyFile {
    /// Writes `contents` (a key or a certificate) atomically with mode 0600, replacing `path`.
    static func writePrivate(_ path: String, contents: String) throws {
        try PrivateFile.write(contents, to: path)
    }

    static func read(_ path: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MeshError(.configuration, "cannot read \(what) \(path)", cause: error)
        }
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// Creates the CA directory (mode 0700) if needed.
    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MeshError(.io, "cannot create the CA directory \(path)", cause: error)
        }
    }
}
