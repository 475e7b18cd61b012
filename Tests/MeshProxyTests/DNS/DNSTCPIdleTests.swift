import Foundation
import MeshProxy
import MeshTesting
import Testing

/// The TCP idle timeout with a real client socket: only whole queries (and answers) give a
/// connection more time; bytes of an unfinished query do not.
@Suite("DNS over TCP: the idle timeout", .serialized)
struct DNSTCPIdleTests {
    /// `dribble <port>`: announces a 512-octet query and sends one octet of it every 100 ms, for
    /// at most 6 s; prints `closed` when the server closes the connection, else `open`.
    /// `queries <port> <count>`: sends a whole query every 200 ms on one connection, reads each
    /// answer; prints `answered <n>`.
    static let client = """
        import select, socket, struct, sys, time
        mode, port = sys.argv[1], int(sys.argv[2])
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        def closed():
            readable, _, _ = select.select([s], [], [], 0)
            if not readable:
                return False
            try:
                return s.recv(1) == b""
            except ConnectionResetError:
                return True
        if mode == "dribble":
            s.sendall(struct.pack("!H", 512))
            for _ in range(60):
                time.sleep(0.1)
                try:
                    if closed():
                        print("closed")
                        sys.exit(0)
                    s.send(b"\\x00")
                except (BrokenPipeError, ConnectionResetError):
                    print("closed")
                    sys.exit(0)
            print("open")
        else:
            name = b"".join(bytes([len(label)]) + label for label in [b"reviews", b"default"]) + b"\\x00"
            query = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)
            answered = 0
            for _ in range(int(sys.argv[3])):
                time.sleep(0.2)
                s.sendall(struct.pack("!H", len(query)) + query)
                length = struct.unpack("!H", s.recv(2, socket.MSG_WAITALL))[0]
                if len(s.recv(length, socket.MSG_WAITALL)) == length:
                    answered += 1
            print("answered %d" % answered)
        """

    static func run(_ arguments: String...) async throws -> String {
        let result = try await Tool.run("python3", ["-c", client] + arguments)
        #expect(result.status == 0, "\(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a client dribbling a byte at a time, more often than the idle timeout, is closed")
    func dribblingClientIsClosed() async throws {
        try await DNSServerTests.withServer(upstreams: [], tcpIdleTimeout: .milliseconds(500)) { _, port in
            // Each byte comes 100 ms after the last: a timeout reset by any byte would never fire.
            let outcome = try await Self.run("dribble", "\(port)")
            #expect(outcome == "closed")
        }
    }

    @Test("a client sending whole queries keeps its connection past the idle timeout")
    func wholeQueriesKeepTheConnection() async throws {
        try await DNSServerTests.withServer(upstreams: [], tcpIdleTimeout: .milliseconds(500)) { _, port in
            // Ten queries 200 ms apart: 2 s on one connection, four times the timeout.
            let outcome = try await Self.run("queries", "\(port)", "10")
            #expect(outcome == "answered 10")
        }
    }
}
