import Foundation

/// The browser console's files (`Sources/MeshConsole/web/`): built into the binary by SwiftPM
/// (`.embedInCode`), or read from a directory on each request when `--web-root` is given.
struct WebAssets: Sendable {
    /// One file as served.
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        /// A strong validator of the content (quoted FNV-1a 64 hex), for `If-None-Match`.
        var etag: String
    }

    enum Source: Sendable, Hashable {
        case embedded
        case directory(String)
    }

    let source: Source

    static let embedded = WebAssets(source: .embedded)

    static func directory(_ path: String) -> WebAssets {
        WebAssets(source: .directory(path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path))
    }

    /// The file at a path relative to `web/` (`index.html`, `js/main.js`), or nil when there is
    /// none or the path is not one a console file can have.
    func asset(at relativePath: String) -> Asset? {
        guard Self.isAllowed(relativePath) else { return nil }
        switch source {
        case .embedded:
            return Self.embeddedAssets[relativePath]
        case .directory(let root):
            return Self.read(relativePath, under: root)
        }
    }

    /// Plain names only: no `..`, no hidden files, no percent escapes, no empty segments.
    static func isAllowed(_ relativePath: String) -> Bool {
        let segments = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty, segments.count <= 8 else { return false }
        return segments.allSatisfy { segment in
            !segment.isEmpty && segment.first != "."
                && segment.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                        || byte == 0x2d || byte == 0x2e || byte == 0x5f
                }
        }
    }

    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) ?? "" {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json": "application/json"
        case "ico": "image/x-icon"
        default: "text/plain; charset=utf-8"
        }
    }

    static func etag(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    static func makeAsset(path: String, bytes: [UInt8]) -> Asset {
        Asset(bytes: bytes, contentType: contentType(of: path), etag: etag(of: bytes))
    }

    /// Built once: the embedded files with their types and validators.
    static let embeddedAssets: [String: Asset] = Dictionary(
        uniqueKeysWithValues: embeddedFiles.map { ($0.key, makeAsset(path: $0.key, bytes: $0.value)) }
    )

    /// Reads a file under `root`, refusing anything whose real path leaves the root (symlinks).
    private static func read(_ relativePath: String, under root: String) -> Asset? {
        let rootURL = URL(fileURLWithPath: root).resolvingSymlinksInPath().standardizedFileURL
        let fileURL = URL(fileURLWithPath: root + "/" + relativePath).resolvingSymlinksInPath().standardizedFileURL
        guard fileURL.path.hasPrefix(rootURL.path + "/") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: fileURL.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: fileURL.path)
        else { return nil }
        return makeAsset(path: relativePath, bytes: Array(data))
    }
}
