import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files of the data directory that hold state or secrets: readable by the owner only (0600),
/// from the moment they exist, and replaced atomically so a crash leaves the old or the new
/// content, never a half-written or missing file.
public enum PrivateFile {
    static let mode: mode_t = 0o600

    /// Writes `bytes` to `path` with mode 0600: a temporary file next to it (created with
    /// `O_EXCL`, synced), renamed over `path`, then the directory synced. Replaces `path` if it exists.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        // A leftover from a crash in the middle of an earlier write holds nothing anyone uses.
        unlink(temporary)
        let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create", temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            written += result
        }
        guard fsync(fd) == 0 else {
            let error = failure("cannot sync", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename into place", path)
            unlink(temporary)
            throw error
        }
        syncDirectory(of: path)
    }

    /// Writes `text` as UTF-8; see `write(_:to:)`.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Before SQLite opens `path`: creates it empty with mode 0600 if it does not exist (SQLite
    /// gives its `-wal` and `-shm` files the database file's mode), and sets 0600 on it and on
    /// existing `-wal`/`-shm` files (an install made before modes were enforced).
    public static func prepareDatabase(_ path: String) throws {
        if access(path, F_OK) != 0 {
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, mode)
            guard fd >= 0 else { throw failure("cannot create", path) }
            close(fd)
        }
        try restrict([path, path + "-wal", path + "-shm"])
    }

    /// Sets mode 0600 on each of `paths` that exists (links are not followed).
    public static func restrict(_ paths: [String]) throws {
        for path in paths {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            guard (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & 0o7777 != mode else { continue }
            guard chmod(path, mode) == 0 else { throw failure("cannot set mode 0600 on", path) }
        }
    }

    /// The permission bits of `path` (for checks and tests); nil when it does not exist.
    public static func permissions(of path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Int(info.st_mode & 0o7777)
    }

    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func failure(_ what: String, _ path: String) -> MeshError {
        MeshError(.io, "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
