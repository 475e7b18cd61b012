import Foundation
import MeshCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files of the CA directory. Keys are created with `O_CREAT|O_EXCL` and mode 0600 so a key is
/// never readable by others, not even for a moment, and an existing key is never overwritten.
enum CAKeyFile {
    /// Writes `contents` to a new file with mode 0600. Fails if the file exists.
    static func createPrivate(_ path: String, contents: String) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw MeshError(.io, "cannot create key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                throw MeshError(.io, "cannot write key file \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fsync(fd) == 0 else {
            throw MeshError(.io, "cannot sync key file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a public file (a certificate) atomically.
    static func writePublic(_ path: String, contents: String) throws {
        do {
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw MeshError(.io, "cannot write \(path)", cause: error)
        }
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
