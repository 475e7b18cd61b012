import Foundation
import MeshCore

#if canImport(Glibc)
    import Glibc
#endif

/// The data directory lock (`<data-dir>/lock`, see `DataDirectoryLock`) taken for a restore:
/// refused while a meshbox process holds it, held until the restore is done so none starts in
/// the middle. A directory without a lock file has never been served and is not in use.
struct RestoreTargetLock {
    private let descriptor: Int32

    init(directory: String) throws {
        let path = directory + "/lock"
        descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(descriptor, &buffer, buffer.count)
            close(descriptor)
            let pid = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines
            )
            throw MeshError(
                .conflict,
                "data dir \(directory): a meshbox process\(pid.isEmpty ? "" : " (pid \(pid))") is using it; stop it before restoring"
            )
        }
    }

    func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
