import Foundation
import MeshAppliance
import MeshCore
import MeshTesting
import Testing

@Suite("Backup archive format (ustar + manifest)")
struct BackupArchiveTests {
    static func sampleMembers() -> [BackupArchive.Member] {
        [0, 1, 511, 512, 513, 10_000].enumerated().map { index, size in
            BackupArchive.Member(
                path: index % 2 == 0 ? "file-\(size)" : "ca/root-\(size).key.pem",
                bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            )
        }
    }

    static func sampleBackup() throws -> [UInt8] {
        let members = sampleMembers()
        let manifest = BackupManifest(
            meshboxVersion: "0.1.0",
            createdAt: Date(timeIntervalSince1970: 1_800_000_000),
            databases: [.init(path: "file-0", migrations: ["v1"])],
            members: members
        )
        return try manifest.archive(of: members, modified: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test("members of every size round-trip byte for byte, in order, with their modes")
    func roundTrip() throws {
        let archive = BackupArchive(
            members: Self.sampleMembers() + [.init(path: "x", mode: 0o640, bytes: [1])],
            modified: 1234
        )
        let bytes = try archive.encoded()
        #expect(bytes.count % 512 == 0)
        #expect(try BackupArchive.decode(bytes) == archive)
    }

    @Test("GNU tar lists and extracts what the writer wrote, and the reader reads what tar writes")
    func tarCompatible() async throws {
        let directory = try TemporaryDirectory(prefix: "backup-archive")
        defer { directory.remove() }
        let members = Self.sampleMembers()
        try Data(try BackupArchive(members: members, modified: 1_800_000_000).encoded()).write(
            to: URL(fileURLWithPath: directory.file("a.tar"))
        )
        try FileManager.default.createDirectory(atPath: directory.file("out"), withIntermediateDirectories: true)
        let extract = try await ChildProcess.run(
            "/bin/tar",
            ["-xf", directory.file("a.tar"), "-C", directory.file("out")]
        )
        #expect(extract.status == 0, "\(extract.output)")
        for member in members {
            #expect(
                FileManager.default.contents(atPath: directory.file("out/" + member.path)).map(Array.init)
                    == member.bytes
            )
        }
        let made = try await ChildProcess.run(
            "/bin/tar",
            [
                "--format=ustar", "-cf", directory.file("b.tar"), "-C", directory.file("out"), "file-511",
                "ca/root-512.key.pem",
            ]
        )
        #expect(made.status == 0, "\(made.output)")
        let read = try BackupArchive.decode(
            Array(try #require(FileManager.default.contents(atPath: directory.file("b.tar"))))
        )
        #expect(read.members.map(\.path) == ["file-511", "ca/root-512.key.pem"])
        #expect(read.members.map(\.bytes) == [members[2].bytes, members[3].bytes])
    }

    @Test(
        "a backup cut anywhere is refused as truncated or damaged",
        arguments: [0, 100, 511, 512, 1024, 1500, 4096, -1024, -513, -1]
    )
    func truncation(cutFromStart: Int) throws {
        let bytes = try Self.sampleBackup()
        let length = cutFromStart >= 0 ? cutFromStart : bytes.count + cutFromStart
        let error = #expect(throws: MeshError.self) { try BackupManifest.verified(Array(bytes.prefix(length))) }
        #expect(error?.code == .backupCorrupt, "\(String(describing: error))")
    }

    @Test("the intact sample verifies, and a changed byte in a member's data is a SHA-256 mismatch naming it")
    func hashMismatch() throws {
        var bytes = try Self.sampleBackup()
        let (manifest, members) = try BackupManifest.verified(bytes)
        #expect(manifest.files.map(\.path) == members.map(\.path))
        #expect(manifest.meshboxVersion == "0.1.0")
        #expect(manifest.createdAt.hasPrefix("2027-01-15T"))
        // The last member (10,000 bytes) ends 2 zero blocks and the padding before the end.
        let lastStart = bytes.count - 1024 - (10_000 + 511) / 512 * 512
        bytes[lastStart + 5000] ^= 0x01
        let error = try #require(throws: MeshError.self) { try BackupManifest.verified(bytes) }
        #expect(error.code == .backupCorrupt)
        #expect(error.message.contains("ca/root-10000.key.pem") && error.message.contains("SHA-256"), "\(error)")
    }

    @Test("a changed byte in a header fails its checksum")
    func headerChecksum() throws {
        var bytes = try Self.sampleBackup()
        bytes[3] ^= 0x20
        #expect(throws: MeshError.self) { try BackupArchive.decode(bytes) }
    }

    @Test("a member the manifest does not list, or one it lists but the archive lacks, is refused")
    func membersMatchManifest() throws {
        let members = Self.sampleMembers()
        let manifest = BackupManifest(meshboxVersion: "0.1.0", createdAt: Date(), databases: [], members: members)
        let extra = try manifest.archive(of: members + [.init(path: "stowaway", bytes: [1, 2])], modified: Date())
        #expect(throws: MeshError.self) { try BackupManifest.verified(extra) }
        let short = try manifest.archive(of: Array(members.dropLast()), modified: Date())
        #expect(throws: MeshError.self) { try BackupManifest.verified(short) }
        #expect(throws: Never.self) { try BackupManifest.verified(try manifest.archive(of: members, modified: Date())) }
    }

    @Test(
        "paths that could leave the data dir are refused",
        arguments: ["../x", "/etc/passwd", "a//b", "", "a/./b", "ca/..", "sp ace"]
    )
    func unsafePaths(path: String) {
        #expect(throws: MeshError.self) { try BackupArchive(members: [.init(path: path, bytes: [1])]).encoded() }
    }

    @Test("a newer format version is refused with both versions")
    func newerFormat() throws {
        let members = [BackupArchive.Member(path: "a", bytes: [1])]
        var manifest = BackupManifest(meshboxVersion: "9.0.0", createdAt: Date(), databases: [], members: members)
        manifest.formatVersion = BackupManifest.currentFormatVersion + 1
        let archive = try manifest.archive(of: members, modified: Date())
        let error = try #require(throws: MeshError.self) { try BackupManifest.verified(archive) }
        #expect(error.code == .backupUnsupported)
        #expect(
            error.message.contains("9.0.0") && error.message.contains("\(BackupManifest.currentFormatVersion + 1)"),
            "\(error)"
        )
    }
}
