import Foundation
import MeshCore

#if canImport(Glibc)
    import Glibc
#endif

extension Doctor {
    /// The data dir exists (and only its owner can list it, else a warning); every file in it (and in `ca/`,
    /// `node/`) is 0600: they hold the stores, keys and tokens.
    static func dataDirectory(_ path: String) -> [Finding] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeDirectory
        else {
            return [Finding("data dir", .fail, "\(path): no such directory (meshbox serve creates it)")]
        }
        var findings: [Finding] = []
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        let owner = (attributes[.ownerAccountName] as? String) ?? "?"
        if mode & 0o077 != 0 {
            // The files themselves are 0600 (checked below); open directory modes show their names.
            findings.append(
                Finding("data dir", .warn, "\(path): mode \(String(mode, radix: 8)), others can list it; chmod 700")
            )
        } else {
            findings.append(Finding("data dir", .ok, "\(path): owner \(owner), mode \(String(mode, radix: 8))"))
        }
        var loose: [String] = []
        for directory in [path, path + "/ca", path + "/node"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                let file = directory + "/" + name
                guard let fileAttributes = try? FileManager.default.attributesOfItem(atPath: file),
                    fileAttributes[.type] as? FileAttributeType == .typeRegular,
                    let permissions = PrivateFile.permissions(of: file), permissions & 0o077 != 0
                else { continue }
                loose.append("\(file) (\(String(permissions, radix: 8)))")
            }
        }
        if loose.isEmpty {
            findings.append(Finding("file modes", .ok, "every file is 0600"))
        } else {
            findings.append(
                Finding(
                    "file modes",
                    .fail,
                    "readable by others: \(loose.joined(separator: ", ")); chmod 600 (meshbox serve also tightens them at start)"
                )
            )
        }
        return findings
    }

    /// The pid in `<data-dir>/lock` while a process holds the lock; nil when none does.
    static func lockHolder(_ dataDirectory: String) -> String? {
        let descriptor = open(dataDirectory + "/lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = read(descriptor, &buffer, buffer.count)
        let pid = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        return pid.isEmpty ? "?" : pid
    }
}
