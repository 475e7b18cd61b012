import NIOHTTP1

/// How a verified token changes the request forwarded upstream: the token's header removed
/// (unless `forwardOriginalToken`), the payload and claims added as headers.
struct JWTHeaderEdits {
    var remove: [String] = []
    var set: [(String, String)] = []

    var isEmpty: Bool { remove.isEmpty && set.isEmpty }

    func apply(to headers: inout HTTPHeaders) {
        for name in remove { headers.remove(name: name) }
        for (name, value) in set { headers.replaceOrAdd(name: name, value: value) }
    }
}
