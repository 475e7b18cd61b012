import Foundation
import MeshTesting
import Testing

@testable import MeshConsole

/// The console's files: built into the binary, served with the right headers, and from disk
/// with `--web-root`.
@Suite("Web assets")
struct WebAssetsTests {
    static let webDirectory = MeshboxProcess.repositoryRoot() + "/Sources/MeshConsole/web"

    static func filesOnDisk() -> Set<String> {
        let enumerator = FileManager.default.enumerator(atPath: webDirectory)
        var files: Set<String> = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: webDirectory + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.insert(path)
            }
        }
        return files
    }

    @Test("the embedded table lists exactly the files under web/, byte for byte")
    func tableMatchesDirectory() throws {
        let files = Self.filesOnDisk()
        #expect(Set(WebAssets.embeddedFiles.keys) == files)
        for path in files {
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: Self.webDirectory + "/" + path))
            // Compared by digest: a failure message with two byte arrays helps nobody.
            let embedded = WebAssets.embeddedFiles[path].map(WebAssets.etag(of:))
            #expect(embedded == WebAssets.etag(of: Array(onDisk)), "\(path) differs from the embedded copy: rebuild")
        }
        let baseNames = files.map { $0.split(separator: "/").last! }
        #expect(Set(baseNames).count == baseNames.count, "SwiftPM names embedded files by base name; they must be unique")
    }

    @Test("paths that could leave web/ are refused", arguments: ["../Package.swift", "js/../../x", ".hidden", "js//main.js", "a%2e", ""])
    func refusedPaths(path: String) {
        #expect(!WebAssets.isAllowed(path))
        #expect(WebAssets.embedded.asset(at: path) == nil)
    }

    @Test("/ serves the console page without a token, with a strict content security policy")
    func indexPage() async throws {
        try await ConsoleHarness.with { console in
            let reply = try await console.send("GET", "/", token: nil)
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "text/html; charset=utf-8")
            #expect(reply.body.contains(#"<script type="module" src="/ui/js/main.js"></script>"#))
            let policy = reply.headers["content-security-policy"] ?? ""
            #expect(policy.contains("script-src 'self'"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(reply.headers["x-frame-options"] == "DENY")
            #expect(reply.headers["x-content-type-options"] == "nosniff")
        }
    }

    @Test("files under /ui/ have their types and an ETag that answers 304")
    func assets() async throws {
        try await ConsoleHarness.with { console in
            let script = try await console.send("GET", "/ui/js/main.js", token: nil)
            #expect(script.status == 200)
            #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
            let etag = try #require(script.headers["etag"])
            let again = try await console.send("GET", "/ui/js/main.js", token: nil, headers: ["If-None-Match": etag])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            let style = try await console.send("GET", "/ui/app.css", token: nil)
            #expect(style.headers["content-type"] == "text/css; charset=utf-8")
            for path in ["/ui/nope.js", "/ui/../Package.swift", "/ui/%2e%2e/Package.swift", "/ui/.hidden"] {
                let missing = try await console.send("GET", path, token: nil)
                #expect(missing.status == 404, "\(path): \(missing)")
            }
        }
    }

    @Test("--web-root serves files from disk, read on each request")
    func webRoot() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-webroot")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/js", withIntermediateDirectories: true)
        try "<p>dev</p>".write(toFile: directory.file("index.html"), atomically: true, encoding: .utf8)
        try "export const a = 1;".write(toFile: directory.file("js/main.js"), atomically: true, encoding: .utf8)
        try await ConsoleHarness.with(webRoot: directory.path) { console in
            #expect(try await console.send("GET", "/", token: nil).body == "<p>dev</p>")
            #expect(try await console.send("GET", "/ui/js/main.js", token: nil).body == "export const a = 1;")
            try "export const a = 2;".write(toFile: directory.file("js/main.js"), atomically: true, encoding: .utf8)
            #expect(try await console.send("GET", "/ui/js/main.js", token: nil).body == "export const a = 2;")
            #expect(try await console.send("GET", "/ui/app.css", token: nil).status == 404)
        }
    }

    @Test("a symlink out of the web root is not followed")
    func symlinkEscape() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-webroot")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/root", withIntermediateDirectories: true)
        try "secret".write(toFile: directory.file("secret.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/root/leak.txt", withDestinationPath: directory.file("secret.txt"))
        #expect(WebAssets.directory(directory.path + "/root").asset(at: "leak.txt") == nil)
    }
}
