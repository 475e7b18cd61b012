#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Why an admin request got no usable response, in words for the CLI: the reason only, without
/// the URL (`AdminClient` adds where it was going).
struct AdminHTTPError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        /// No connection: refused, unresolvable, unreachable, TLS handshake or certificate.
        case connect
        /// The deadline passed before the whole response arrived.
        case timedOut
        /// Connected, but the response was cut off, malformed or too large.
        case response
    }

    var kind: Kind
    var reason: String

    var description: String { reason }

    static let timedOut = AdminHTTPError(kind: .timedOut, reason: "timed out")
    static let closedBeforeResponse = AdminHTTPError(kind: .response, reason: "the server closed the connection before a complete response")

    static func tooLarge(limit: Int) -> AdminHTTPError {
        let size = limit % (1024 * 1024) == 0 ? "\(limit / (1024 * 1024)) MiB" : "\(limit) bytes"
        return AdminHTTPError(kind: .response, reason: "the response is larger than \(size)")
    }

    init(kind: Kind, reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// Names a NIO, NIOSSL or socket error the way a person reads it.
    init(_ error: any Error) {
        switch error {
        case let error as AdminHTTPError:
            self = error
        case ChannelError.connectTimeout:
            self = .timedOut
        case is CancellationError:
            self.init(kind: .connect, reason: "cancelled")
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first {
                self.init(first.error)
            } else {
                self.init(kind: .connect, reason: "cannot resolve the host name \(error.host)")
            }
        case let error as IOError:
            self.init(kind: .connect, reason: Self.describe(errno: error.errnoCode) ?? "\(error)")
        case let error as NIOSSLError:
            self.init(kind: .connect, reason: Self.describe(error))
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            self.init(kind: .connect, reason: "TLS: the server's certificate is not valid for this host name (\(error))")
        case let error as NIOSSLExtraError:
            self.init(kind: .connect, reason: "TLS: \(error)")
        case let error as HTTPParserError:
            self.init(kind: .response, reason: "not a valid HTTP response (\(error))")
        case ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed:
            self = .closedBeforeResponse
        default:
            self.init(kind: .connect, reason: "\(error)")
        }
    }

    private static func describe(errno: Int32) -> String? {
        switch errno {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset by the server"
        case EHOSTUNREACH: "host unreachable"
        case ENETUNREACH: "network unreachable"
        case ETIMEDOUT: "timed out"
        case EPIPE: "the server closed the connection"
        default: nil
        }
    }

    private static func describe(_ error: NIOSSLError) -> String {
        switch error {
        case .handshakeFailed(let inner):
            let text = "\(inner)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return "TLS: the server's certificate is not trusted (it does not chain to a system root CA)"
            }
            return "TLS handshake failed: \(text)"
        case .uncleanShutdown:
            return "the server closed the TLS connection before a complete response"
        default:
            return "TLS: \(error)"
        }
    }
}
