import Foundation
import MeshCore
import Testing

@Suite("PrivateFile: owner-only files of the data directory")
struct PrivateFileTests {
    static func withDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.path + "/privatefile-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    @Test("write creates mode 0600, replaces a whole file and leaves no temporary file")
    func write() throws {
        try Self.withDirectory { directory in
            let path = directory + "/key"
            try PrivateFile.write("one", to: path)
            #expect(PrivateFile.permissions(of: path) == 0o600)
            try PrivateFile.write("two", to: path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["key"])
        }
    }

    @Test("prepareDatabase creates the file 0600 and tightens an existing one and its -wal/-shm")
    func prepareDatabase() throws {
        try Self.withDirectory { directory in
            let fresh = directory + "/fresh.db"
            try PrivateFile.prepareDatabase(fresh)
            #expect(PrivateFile.permissions(of: fresh) == 0o600)
            let old = directory + "/old.db"
            for file in [old, old + "-wal", old + "-shm"] {
                #expect(FileManager.default.createFile(atPath: file, contents: Data(), attributes: [.posixPermissions: 0o644]))
            }
            try PrivateFile.prepareDatabase(old)
            for file in [old, old + "-wal", old + "-shm"] {
                #expect(PrivateFile.permissions(of: file) == 0o600, "\(file)")
            }
        }
    }
}
