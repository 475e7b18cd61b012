import MeshCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bearer token that guards `/api/`: 32 random bytes, hex-encoded, kept in
/// `<data directory>/admin-token` (mode 0600) so that the CLI on the same host can read it.
public struct AdminToken: Sendable, CustomStringConvertible {
    /// The file the token was read from or written to.
    public let path: String
    /// The token itself; callers send it as `Authorization: Bearer <secret>`.
    public let secret: String

    public static let fileName = "admin-token"

    /// A token that is not backed by a file (tests, tokens handed over by a supervisor).
    public init(secret: String, path: String) {
        self.secret = secret
        self.path = path
    }

    /// Reads `<dataDirectory>/admin-token`, or creates it with a fresh token on first start.
    public static func loadOrCreate(dataDirectory: String) throws -> AdminToken {
        let directory = dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory
        let path = (directory.isEmpty ? "." : directory) + "/" + fileName
        if let existing = try readToken(path: path) { return existing }
        let secret = generateSecret()
        // O_EXCL: never replace a token another process wrote in the meantime, and the mode is
        // set at creation so the secret is never readable by others, not even briefly.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST, let existing = try readToken(path: path) { return existing }
            throw MeshError(.io, "cannot create admin token file \(path): \(describeErrno(code))")
        }
        defer { close(descriptor) }
        try writeAll(descriptor, Array((secret + "\n").utf8), path: path)
        if fsync(descriptor) != 0 {
            throw MeshError(.io, "cannot sync admin token file \(path): \(describeErrno(errno))")
        }
        return AdminToken(secret: secret, path: path)
    }

    /// True when the header is `Bearer <token>` with this token. The comparison takes the same
    /// time wherever the presented token differs.
    public func verify(authorizationHeader: String?) -> Bool {
        guard let header = authorizationHeader else { return false }
        let scheme = "bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme else { return false }
        let presented = header.dropFirst(scheme.count).drop { $0 == " " }
        return constantTimeEquals(presented, secret)
    }

    /// Never prints the secret.
    public var description: String { "AdminToken(path: \(path))" }

    static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Nil when the file does not exist.
    private static func readToken(path: String) throws -> AdminToken? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw MeshError(.io, "cannot open admin token file \(path): \(describeErrno(code))")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while bytes.count <= 4096 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw MeshError(.io, "cannot read admin token file \(path): \(describeErrno(errno))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let secret = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        guard secret.count >= 32, bytes.count <= 4096 else {
            throw MeshError(
                .configuration,
                "admin token file \(path) does not hold a token; delete it to have a new one created"
            )
        }
        return AdminToken(secret: secret, path: path)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw MeshError(.io, "cannot write admin token file \(path): \(describeErrno(errno))")
            }
            offset += written
        }
    }

    private static func describeErrno(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
