public import NIOHTTP1

/// What routing looks at in one request, built by the engine once per request.
///
/// The request target is split once here, so that the route table, rewrites, redirects and hash
/// policies read the path, query and authority as slices of the original URI without copying. The
/// properties are `let` because the slices point into `head.uri`: change the head by building new
/// facts.
public struct RequestFacts: Sendable {
    public let head: HTTPRequestHead
    /// `http` or `https`: how the request reached the listener.
    public let scheme: String
    public let listenerPort: Int
    /// The peer's IP address without port (what the `sourceIP` hash policy hashes), if known.
    public let sourceAddress: String?
    /// The host and optional port the request is for, lower-cased; "" when the request names none.
    ///
    /// From the authority of an absolute-form URI when there is one (RFC 9112 §3.2.2: it overrides
    /// Host, as Envoy's HTTP/1 codec does), else the Host header; the URI itself for CONNECT.
    public let authority: String
    /// The URI path without query (and without fragment); `/` for an absolute URI with no path.
    public let path: Substring
    /// What follows the `?`, without the `?` (and without a fragment); nil when there is no `?`.
    public let query: Substring?
    /// The path with its `?query`: Envoy's `:path` pseudo-header.
    public let pathAndQuery: Substring

    public init(head: HTTPRequestHead, scheme: String, listenerPort: Int, sourceAddress: String?) {
        self.head = head
        self.scheme = scheme
        self.listenerPort = listenerPort
        self.sourceAddress = sourceAddress
        let target = RequestTarget(head.uri, isConnect: head.method.isCONNECT)
        self.authority = ASCII.lowercased(target.authority ?? head.headers.first(name: "host") ?? "")
        self.path = target.path
        self.query = target.query
        self.pathAndQuery = target.pathAndQuery
    }

    /// The request method as sent (`GET`, `POST`, …).
    public var method: String { head.method.rawValue }

    /// `authority` without its port: what a redirect keeps when it only changes the port.
    public var host: Substring { AuthorityParts(authority).host }
}

/// The parts of a request target (RFC 9112 §3.2): origin-form `/p?q`, absolute-form
/// `http://h/p?q`, authority-form `h:443` (CONNECT) or asterisk-form `*`.
struct RequestTarget {
    var authority: String?
    var path: Substring
    var query: Substring?
    var pathAndQuery: Substring

    init(_ uri: String, isConnect: Bool) {
        if isConnect {
            self.authority = uri
            self.path = uri[uri.endIndex...]
            self.query = nil
            self.pathAndQuery = self.path
            return
        }
        if let question = Self.originFormQuery(uri) {
            // `/path` or `/path?query`, the form nearly every request has: one pass over its bytes.
            if question < 0 {
                self.authority = nil
                self.path = uri[...]
                self.query = nil
                self.pathAndQuery = self.path
            } else {
                let mark = uri.utf8.index(uri.utf8.startIndex, offsetBy: question)
                self.authority = nil
                self.path = uri[..<mark]
                self.query = uri[uri.utf8.index(after: mark)...]
                self.pathAndQuery = uri[...]
            }
            return
        }
        var rest = uri[...]
        if let first = uri.utf8.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "*"),
            let separator = uri.utf8.firstRange(of: "://".utf8)
        {
            let afterScheme = uri[separator.upperBound...]
            let authorityEnd =
                afterScheme.utf8.firstIndex {
                    $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
                }
                ?? uri.endIndex
            var authority = uri[separator.upperBound..<authorityEnd]
            if let at = authority.utf8.lastIndex(of: UInt8(ascii: "@")) {
                authority = authority[authority.index(after: at)...]
            }
            self.authority = String(authority)
            rest = uri[authorityEnd...]
        } else {
            self.authority = nil
        }
        let end = rest.utf8.firstIndex(of: UInt8(ascii: "#")) ?? rest.endIndex
        let withoutFragment = rest[..<end]
        if let mark = withoutFragment.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.path = withoutFragment[..<mark]
            self.query = withoutFragment[withoutFragment.index(after: mark)...]
        } else {
            self.path = withoutFragment
            self.query = nil
        }
        self.pathAndQuery = withoutFragment
        if self.path.isEmpty && self.authority != nil {
            // `http://a.com` and `http://a.com?q` ask for `/`.
            self.path = "/"[...]
            self.pathAndQuery = self.query.map { "/?\($0)"[...] } ?? self.path
        }
    }
}

extension RequestTarget {
    /// For an origin-form target without a fragment (`/p`, `/p?q`): the offset of its first `?`,
    /// or -1 when it has none. nil for every other target, and for strings not stored as UTF-8.
    fileprivate static func originFormQuery(_ uri: String) -> Int? {
        uri.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            guard bytes.first == UInt8(ascii: "/") else { return nil }
            var question = -1
            for index in bytes.indices {
                switch bytes[index] {
                case UInt8(ascii: "?") where question < 0: question = index
                case UInt8(ascii: "#"): return nil
                default: continue
                }
            }
            return question
        } ?? nil
    }
}

/// An authority split into host and port; IPv6 literals keep their brackets (`[::1]:8080`).
struct AuthorityParts {
    var host: Substring
    /// The digits after the last `:` outside brackets, if any.
    var port: Substring?

    init(_ authority: String) {
        let utf8 = authority.utf8
        let hostEnd: String.Index
        if utf8.first == UInt8(ascii: "[") {
            guard let close = utf8.firstIndex(of: UInt8(ascii: "]")) else {
                self.host = authority[...]
                self.port = nil
                return
            }
            hostEnd = utf8.index(after: close)
        } else {
            hostEnd = utf8.firstIndex(of: UInt8(ascii: ":")) ?? authority.endIndex
        }
        self.host = authority[..<hostEnd]
        if hostEnd < authority.endIndex, utf8[hostEnd] == UInt8(ascii: ":") {
            self.port = authority[utf8.index(after: hostEnd)...]
        } else {
            self.port = nil
        }
    }
}
