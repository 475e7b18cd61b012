import MeshCore
import Testing

@Suite("constantTimeEquals")
struct ConstantTimeTests {
    @Test(
        "equal only for identical strings",
        arguments: [
            ("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("", "", true), ("a", "", false),
        ]
    )
    func compares(lhs: String, rhs: String, equal: Bool) {
        #expect(constantTimeEquals(lhs, rhs) == equal)
    }

    // The length difference was truncated to 8 bits, so a token followed by 256 NULs (the shorter
    // side is padded with zeros) was accepted (issue 22).
    @Test("a secret followed by a multiple of 256 NULs is not equal to it", arguments: [256, 512, 65_536])
    func trailingNULs(count: Int) {
        let token = "s3cr3t-admin-token"
        let padded = token + String(repeating: "\0", count: count)
        #expect(!constantTimeEquals(padded, token))
        #expect(!constantTimeEquals(token, padded))
        #expect(!constantTimeEquals("", String(repeating: "\0", count: count)))
    }
}
