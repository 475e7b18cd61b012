import Testing

@testable import MeshNet

extension RoutingTests {
    @Suite("ASCII")
    struct ASCIITests {
        @Test(
            "a string equals a lower-case literal ignoring ASCII case only",
            arguments: [
                ("Content-Length", true), ("content-length", true), ("CONTENT-LENGTH", true), ("Content-Lengt", false),
                ("Content-Length ", false), ("Dontent-Length", false), ("Content-Lengtx", false), ("", false),
                ("Cont\u{e9}nt-Length", false), ("Content_Length", false),
            ])
        func equalsLiteral(value: String, expected: Bool) {
            #expect(ASCII.equalsIgnoringCase(value, lowercase: "content-length") == expected)
            // The same answer as the generic comparison of the bytes.
            #expect(ASCII.equalsIgnoringCase(value.utf8, "content-length".utf8) == expected)
        }

        @Test("a long string (stored apart from its variable) compares as a short one does")
        func longString() {
            let long = String(repeating: "x-", count: 20) + "Id"
            #expect(ASCII.equalsIgnoringCase(long, lowercase: "x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-id"))
            #expect(!ASCII.equalsIgnoringCase(long, lowercase: "x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-ie"))
        }
    }
}
