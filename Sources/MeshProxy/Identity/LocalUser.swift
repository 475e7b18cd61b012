#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A registration's `runAs` on this host: a numeric uid as written, a user name through the
/// host's user database (`getpwnam_r`, so NSS sources such as LDAP count as they do for `id`).
enum LocalUser {
    enum Lookup: Sendable, Hashable {
        case uid(UInt32)
        /// No such user on this host, or the lookup failed (the reason, for a log).
        case unknown(String)
    }

    static func uid(of runAs: String) -> Lookup {
        if !runAs.isEmpty, runAs.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            guard let uid = UInt32(runAs), uid != UInt32.max else { return .unknown("uid \(runAs) is out of range") }
            return .uid(uid)
        }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var size = max(Int(sysconf(Int32(_SC_GETPW_R_SIZE_MAX))), 1024)
        while true {
            var buffer = [CChar](repeating: 0, count: size)
            let status = getpwnam_r(runAs, &entry, &buffer, size, &result)
            if status == ERANGE && size < 1 << 20 {
                size *= 2
                continue
            }
            if status != 0 { return .unknown("user \(runAs): \(String(cString: strerror(status)))") }
            guard result != nil else { return .unknown("no user \(runAs) on this host") }
            return .uid(UInt32(entry.pw_uid))
        }
    }
}
