import Foundation
import MeshConsole
import MeshTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("AdminToken")
struct AdminTokenTests {
    @Test("first load creates a 64-hex-digit token file with mode 0600")
    func createsTokenFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let token = try AdminToken.loadOrCreate(dataDirectory: directory.path)

        #expect(token.path == directory.file("admin-token"))
        var info = stat()
        #expect(stat(token.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let contents = try String(contentsOfFile: token.path, encoding: .utf8)
        #expect(contents.trimmingCharacters(in: .whitespacesAndNewlines) == token.secret)
        #expect(token.secret.count == 64)
        #expect(token.secret.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    @Test("a second load reuses the token written by the first")
    func reusesTokenFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let first = try AdminToken.loadOrCreate(dataDirectory: directory.path)
        let second = try AdminToken.loadOrCreate(dataDirectory: directory.path)

        #expect(first.secret == second.secret)
        #expect(first.path == second.path)
    }

    @Test("two data directories get different tokens")
    func tokensAreRandom() throws {
        let one = try TemporaryDirectory()
        let two = try TemporaryDirectory()
        defer {
            one.remove()
            two.remove()
        }
        #expect(try AdminToken.loadOrCreate(dataDirectory: one.path).secret != AdminToken.loadOrCreate(dataDirectory: two.path).secret)
    }

    @Test("an empty token file is an error, not an empty token")
    func rejectsEmptyFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = FileManager.default.createFile(atPath: directory.file("admin-token"), contents: Data())

        #expect(throws: (any Error).self) { try AdminToken.loadOrCreate(dataDirectory: directory.path) }
    }

    @Test(
        "verify accepts only Bearer with the exact token",
        arguments: [
            ("Bearer secret-token-value-0123456789abcdef", true),
            ("bearer secret-token-value-0123456789abcdef", true),
            ("Bearer secret-token-value-0123456789abcdeF", false),
            ("Bearer secret-token-value-0123456789abcde", false),
            ("Bearer secret-token-value-0123456789abcdef0", false),
            ("Basic secret-token-value-0123456789abcdef", false),
            ("secret-token-value-0123456789abcdef", false),
            ("Bearer ", false),
            ("", false),
        ]
    )
    func verify(header: String, accepted: Bool) {
        let token = AdminToken(secret: "secret-token-value-0123456789abcdef", path: "/unused")
        #expect(token.verify(authorizationHeader: header) == accepted)
    }

    @Test("a missing header is rejected and the description never shows the secret")
    func missingHeaderAndDescription() {
        let token = AdminToken(secret: "secret-token-value-0123456789abcdef", path: "/unused")
        #expect(!token.verify(authorizationHeader: nil))
        #expect(!"\(token)".contains(token.secret))
    }
}
