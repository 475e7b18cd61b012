public import MeshCore

/// The container of a backup: a POSIX ustar archive (what `tar tvf` and `tar xf` read), written
/// and read here so that nothing depends on a tool's flags. Only regular files with relative
/// paths of safe components; no links, devices or directories (readers create the parents).
/// Owners are 0 and times the backup's: a restore sets its own.
///
/// Reading is strict: every header's checksum, the `ustar` magic, each member's full length and
/// the two zero blocks that end the archive must be there, so a cut or damaged file is refused
/// before anything is written.
public struct BackupArchive: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        /// A relative path (`ca/ca.db`): components of letters, digits, `.`, `_`, `-`, never `.` or `..`.
        public var path: String
        /// Permission bits (0o600 for everything meshbox writes).
        public var mode: Int
        public var bytes: [UInt8]

        public init(path: String, mode: Int = 0o600, bytes: [UInt8]) {
            self.path = path
            self.mode = mode
            self.bytes = bytes
        }
    }

    public var members: [Member]
    /// Seconds since 1970, written as every member's mtime.
    public var modified: Int

    public init(members: [Member], modified: Int = 0) {
        self.members = members
        self.modified = modified
    }

    static let block = 512

    /// The archive's bytes. Throws for a path that is not a safe relative path or is too long.
    public func encoded() throws(MeshError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(members.reduce(Self.block * 2) { $0 + Self.block * 2 + $1.bytes.count })
        for member in members {
            try Self.checkPath(member.path)
            output += Self.header(for: member, modified: modified)
            output += member.bytes
            let padding = (Self.block - member.bytes.count % Self.block) % Self.block
            output += [UInt8](repeating: 0, count: padding)
        }
        output += [UInt8](repeating: 0, count: Self.block * 2)
        return output
    }

    /// Parses `bytes`; throws `.backupCorrupt` naming the first problem and where it is.
    public static func decode(_ bytes: [UInt8]) throws(MeshError) -> BackupArchive {
        var members: [Member] = []
        var offset = 0
        var modified = 0
        while true {
            guard offset + block <= bytes.count else {
                throw MeshError(
                    .backupCorrupt,
                    "archive ends at byte \(bytes.count) inside a header or before its end marker (truncated)"
                )
            }
            let header = bytes[offset..<offset + block]
            if header.allSatisfy({ $0 == 0 }) {
                guard offset + block * 2 <= bytes.count,
                    bytes[offset + block..<offset + block * 2].allSatisfy({ $0 == 0 })
                else {
                    throw MeshError(
                        .backupCorrupt,
                        "archive ends at byte \(bytes.count) without its end marker (truncated)"
                    )
                }
                return BackupArchive(members: members, modified: modified)
            }
            let field = { (start: Int, length: Int) in Array(header.dropFirst(start).prefix(length)) }
            guard field(257, 5) == Array("ustar".utf8) else {
                throw MeshError(.backupCorrupt, "byte \(offset): not a ustar header (not a meshbox backup, or damaged)")
            }
            guard let stored = octal(field(148, 8)), stored == checksum(Array(header)) else {
                throw MeshError(.backupCorrupt, "byte \(offset): header checksum mismatch (damaged)")
            }
            let name = text(field(0, 100)), prefix = text(field(345, 155))
            let path = prefix.isEmpty ? name : prefix + "/" + name
            guard field(156, 1) == [UInt8(ascii: "0")] || field(156, 1) == [0] else {
                throw MeshError(.backupCorrupt, "member \(path): not a regular file; a meshbox backup holds only files")
            }
            try checkPath(path)
            guard let size = octal(field(124, 12)), let mode = octal(field(100, 8)) else {
                throw MeshError(.backupCorrupt, "member \(path): unreadable size or mode field")
            }
            modified = octal(field(136, 12)) ?? 0
            let start = offset + block
            guard start + size <= bytes.count else {
                throw MeshError(
                    .backupCorrupt,
                    "member \(path): \(size) bytes announced, \(bytes.count - start) left (truncated)"
                )
            }
            members.append(Member(path: path, mode: mode & 0o7777, bytes: Array(bytes[start..<start + size])))
            offset = start + (size + block - 1) / block * block
        }
    }

    /// Refuses absolute paths, `.`/`..`, empty components and characters outside `[A-Za-z0-9._-]`.
    static func checkPath(_ path: String) throws(MeshError) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let safe =
            !path.isEmpty && path.utf8.count <= 255
            && components.allSatisfy { component in
                !component.isEmpty && component != "." && component != ".."
                    && component.utf8.allSatisfy { byte in
                        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                            || (byte >= 0x61 && byte <= 0x7A)
                            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                    }
            }
        guard safe else { throw MeshError(.backupCorrupt, "member path \"\(path)\": not a safe relative path") }
    }

    private static func header(for member: Member, modified: Int) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: block)
        func put(_ bytes: [UInt8], at start: Int) {
            for (index, byte) in bytes.enumerated() { header[start + index] = byte }
        }
        // A path longer than the 100-byte name field goes to the prefix field, split at a slash.
        var name = member.path, prefix = ""
        if name.utf8.count > 100, let slash = name.utf8.lastIndex(of: UInt8(ascii: "/")) {
            prefix = String(name[..<slash])
            name = String(name[name.index(after: slash)...])
        }
        put(Array(name.utf8), at: 0)
        put(octalField(member.mode, width: 8), at: 100)
        put(octalField(0, width: 8), at: 108)
        put(octalField(0, width: 8), at: 116)
        put(octalField(member.bytes.count, width: 12), at: 124)
        put(octalField(modified, width: 12), at: 136)
        header[156] = UInt8(ascii: "0")
        put(Array("ustar\0".utf8), at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("root".utf8), at: 265)
        put(Array("root".utf8), at: 297)
        put(Array(prefix.utf8), at: 345)
        put(octalField(checksum(header), width: 7) + [UInt8(ascii: " ")], at: 148)
        return header
    }

    /// The header's byte sum with the checksum field counted as eight spaces.
    private static func checksum(_ header: [UInt8]) -> Int {
        header.enumerated().reduce(0) { sum, pair in sum + ((148..<156).contains(pair.offset) ? 32 : Int(pair.element))
        }
    }

    /// `value` in octal, zero-padded to `width - 1` digits and NUL-terminated.
    private static func octalField(_ value: Int, width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
    }

    private static func octal(_ field: [UInt8]) -> Int? {
        let digits = field.drop { $0 == UInt8(ascii: " ") }.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) else {
            return nil
        }
        return Int(String(decoding: digits, as: UTF8.self), radix: 8)
    }

    private static func text(_ field: [UInt8]) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension MeshError.Code {
    /// A backup file that is not a complete, intact meshbox backup.
    public static let backupCorrupt = MeshError.Code("backup_corrupt")
    /// A backup this binary cannot restore (a newer format or schema).
    public static let backupUnsupported = MeshError.Code("backup_unsupported")
}
