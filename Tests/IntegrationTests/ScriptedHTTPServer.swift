import Foundation
import MeshTesting

/// A python3 HTTP/1.1 server on 127.0.0.1 (a `FreePort` port) that answers every request the
/// same scripted way, optionally over TLS. It exits on `stop()`, or by itself after 5 minutes
/// should a test crash before stopping it.
struct ScriptedHTTPServer {
    enum Mode: String {
        /// 200 with a JSON body of the request's head lines and body.
        case echo
        /// 200, `Transfer-Encoding: chunked`, `{"revision": 42, …}` in 7,000-byte chunks.
        case chunked
        /// 200 without a length, 300,000 bytes, then the server closes.
        case close
        /// 422 with the admin API's JSON error envelope.
        case error
        /// Reads the request and never answers (the connection stays open).
        case hang
    }

    let process: ChildProcess
    let port: Int
    let directory: TemporaryDirectory
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    static func start(_ mode: Mode, certificateFile: String? = nil, keyFile: String? = nil) async throws -> ScriptedHTTPServer {
        let directory = try TemporaryDirectory(prefix: "meshbox-scripted")
        let port = try FreePort.take()
        try script.write(toFile: directory.file("server.py"), atomically: true, encoding: .utf8)
        let outputPath = directory.file("output")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let process = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", directory.file("server.py"), mode.rawValue, String(port)] + [certificateFile, keyFile].compactMap { $0 },
            standardOutput: outputPath, standardError: outputPath)
        let server = ScriptedHTTPServer(process: process, port: port, directory: directory)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if text.contains("ready") { return server }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw ScriptedHTTPServerError(output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }

    func stop() {
        process.signal(SIGKILL)
        process.waitUntilExit()
        directory.remove()
    }

    static let script = #"""
        import json, os, signal, socket, ssl, sys, threading
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
        mode, port = sys.argv[1], int(sys.argv[2])
        threading.Timer(300, lambda: os._exit(0)).start()
        context = None
        if len(sys.argv) > 4:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        print("ready", flush=True)
        held = []

        def read_request(conn):
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return None, None
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            return lines, body

        def serve(conn):
            try:
                if context:
                    conn = context.wrap_socket(conn, server_side=True)
                lines, body = read_request(conn)
                if lines is None:
                    return
                if mode == "hang":
                    held.append(conn)
                    return
                if mode == "echo":
                    payload = json.dumps({"head": lines, "body": body.decode()}).encode()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
                elif mode == "chunked":
                    payload = json.dumps({"revision": 42, "padding": "x" * 100000}).encode()
                    out = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    for i in range(0, len(payload), 7000):
                        piece = payload[i:i + 7000]
                        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
                    conn.sendall(out + b"0\r\n\r\n")
                elif mode == "close":
                    payload = b"0123456789" * 30000
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
                    for i in range(0, len(payload), 10000):
                        conn.sendall(payload[i:i + 10000])
                elif mode == "error":
                    payload = json.dumps({"error": {"code": "invalid", "message": "1 resource is invalid",
                        "issues": [{"resource": "VirtualService default/x", "path": "spec.http[0]", "message": "bad route", "severity": "error"}],
                        "details": ["see docs"]}}).encode()
                    conn.sendall(b"HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
                conn.close()
            except Exception as error:
                print("error", error, flush=True)

        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """#
}

struct ScriptedHTTPServerError: Error, CustomStringConvertible {
    var output: String
    var description: String { "the scripted server did not start: \(output)" }
}
