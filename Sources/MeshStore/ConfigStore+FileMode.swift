import Foundation

extension ConfigStore {
    /// The store file holds private keys (TLS `Secret`s for `credentialName`), so only its owner
    /// may read it: the file is created mode 0600 before SQLite opens it (SQLite gives the `-wal`
    /// and `-shm` files the database file's mode), and an existing file and its companions are
    /// tightened to 0600.
    static func restrictFileMode(_ path: String) throws {
        let files = FileManager.default
        if !files.fileExists(atPath: path) {
            guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        for file in [path, path + "-wal", path + "-shm"] where files.fileExists(atPath: file) {
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }
}
