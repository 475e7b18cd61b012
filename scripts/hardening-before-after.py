#!/usr/bin/env python3
"""Issue 22 (hardening), before and after, through the real binary.

Starts `meshbox serve` of one tree on 127.0.0.1 (a temporary data dir, all roles, one gateway
thread) and probes, over sockets and the CLI, behaviour that the hardening changed and that the
Swift tests reach only through types the old code does not have. Every probe uses the binary's
defaults (no new configuration key), so the same script runs against the code before the
hardening (5ef5cfe) and after it:

  console-slowloris   half a request head to the console: closed by console.requestHeaderTimeout (10 s)?
  gateway-slowloris   a head a byte a second to the gateway: closed by gateway.requestHeaderTimeout
                      (10 s)? (a defence the old code had already: expected to pass on both)
  tls-handshake       a ClientHello, then silence, to an HTTPS gateway server: closed by
                      gateway.tlsHandshakeTimeout (10 s)?
  request-body        `Content-Length: 100` and 10 bytes: a 408 within 70 s (gateway.requestBodyTimeout, 60 s)?
  stream-idle         an upstream that never answers: a 408 within 310 s (gateway.streamIdleTimeout, 5 min)?
  reserved-node       a join token for the control plane's own nodeName: refused (409)?
  unnamed-token       a join token without a node name: refused (400)?
  check-interval      `meshbox register --tcp-check --interval 100ms`: refused (interval >= 1s)?
  descriptor-flood    its own server under `ulimit -n 256`, 300 idle gateway connections: are a new
                      console /healthz and a new gateway request still answered?
  login-throttle      10 wrong admin tokens, then the right one: 429 (console.loginThrottle)?

Each probe prints PASS (the defence is there) or FAIL (with what happened). Loopback only; every
wait is bounded; the server and the backends are stopped at the end.

    python3 scripts/hardening-before-after.py --binary .build/debug/meshbox [--skip stream-idle]
"""

import argparse
import json
import resource
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

NODE_NAME = "cp-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StallingBackend:
    """Answers `GET /ready` with 200, reads everything else and never answers; counts open connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.open = 0
        self.received = b""
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.open += 1
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.received += data
                if data.startswith(b"GET /ready"):
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready")
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self.open -= 1

    def stop(self):
        self.stopped = True
        self.sock.close()


class Server:
    def __init__(self, binary, workdir, nofile=None):
        self.binary = os.path.abspath(binary)
        self.data = os.path.join(workdir, "data")
        os.makedirs(self.data)
        self.config = os.path.join(workdir, "meshbox.yaml")
        with open(self.config, "w") as f:
            f.write(f"nodeName: {NODE_NAME}\n")
        self.log = open(os.path.join(workdir, "server.log"), "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MESHBOX_", "NOTIFY_", "WATCHDOG_"))}
        self.process = subprocess.Popen(
            [self.binary, "serve", "--config", self.config, "--data-dir", self.data, "--console-listen", "127.0.0.1:0",
             "--gateway-listen", "127.0.0.1", "--gateway-threads", "1"],
            stdout=self.log, stderr=self.log, env=env, start_new_session=True,
            preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))) if nofile else None)
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(self.data, "console.url")):
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError("meshbox did not start: " + open(self.log.name).read()[-2000:])
            time.sleep(0.1)
        time.sleep(0.2)
        self.url = open(os.path.join(self.data, "console.url")).read().strip()
        self.console_port = int(self.url.rsplit(":", 1)[1].strip("/"))
        self.token = open(os.path.join(self.data, "admin-token")).read().strip()
        self.env = dict(env, MESHBOX_SERVER=self.url, MESHBOX_TOKEN=self.token)

    def cli(self, *args, timeout=60):
        result = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout, result.stderr

    def api(self, method, path, body=None):
        request = urllib.request.Request(
            self.url.rstrip("/") + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def wait_closed(sock, limit, until=None):
    """Reads until the peer closes, `until` (bytes) shows in what came, or `limit` seconds pass:
    (closed, seconds, bytes received)."""
    start = time.time()
    received = b""
    while time.time() - start < limit and not (until and until in received):
        sock.settimeout(max(0.1, limit - (time.time() - start)))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, OSError):
            return True, time.time() - start, received
        if not data:
            return True, time.time() - start, received
        received += data
    return False, time.time() - start, received


def client_hello(server_name):
    """The TLS 1.3 ClientHello of GatewayRequestTimeoutTests' StalledTLSClient, byte for byte."""
    def u16(v):
        return bytes([v >> 8 & 0xff, v & 0xff])

    def u24(v):
        return bytes([v >> 16 & 0xff]) + u16(v)

    def ext(t, data):
        return u16(t) + u16(len(data)) + data

    name = server_name.encode()
    extensions = ext(0x0000, u16(len(name) + 3) + b"\x00" + u16(len(name)) + name)
    extensions += ext(0x000a, u16(2) + u16(0x001d))
    extensions += ext(0x000d, u16(8) + u16(0x0403) + u16(0x0804) + u16(0x0401) + u16(0x0503))
    extensions += ext(0x002b, b"\x02" + u16(0x0304))
    share = bytes((i * 37 + 11) & 0xff for i in range(32))
    extensions += ext(0x0033, u16(len(share) + 4) + u16(0x001d) + u16(len(share)) + share)
    body = u16(0x0303) + bytes((i * 13 + 7) & 0xff for i in range(32))
    body += b"\x20" + bytes((i + 100) & 0xff for i in range(32))
    body += u16(6) + u16(0x1301) + u16(0x1302) + u16(0x1303) + b"\x01\x00"
    body += u16(len(extensions)) + extensions
    handshake = b"\x01" + u24(len(body)) + body
    return b"\x16" + u16(0x0301) + u16(len(handshake)) + handshake


def setup_gateway(server, workdir, backend):
    http_port, https_port = free_port(), free_port()
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
         "-subj", "/CN=app.example.com", "-addext", "subjectAltName=DNS:app.example.com", "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    resources = os.path.join(workdir, "gateway.yaml")
    with open(resources, "w") as f:
        f.write(f"""apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: edge, namespace: default}}
spec:
  servers:
  - port: {{number: {http_port}, name: http, protocol: HTTP}}
    hosts: ["shop.example.com"]
  - port: {{number: {https_port}, name: https, protocol: HTTPS}}
    hosts: ["app.example.com"]
    tls: {{mode: SIMPLE, serverCertificate: "{cert}", privateKey: "{key}"}}
---
apiVersion: meshbox.io/v1
kind: Service
metadata: {{name: shop, namespace: default}}
spec:
  ports:
  - {{name: http, number: 80, protocol: HTTP}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: shop, namespace: default}}
spec:
  hosts: ["shop.example.com", "app.example.com"]
  gateways: ["edge"]
  http:
  - route: [{{destination: {{host: shop}}}}]
""")
    status, _, err = server.cli("apply", "-f", resources)
    assert status == 0, err
    status, _, err = server.cli("register", "--service", "shop", "--address", "127.0.0.1", "--port", f"http:{backend.port}")
    assert status == 0, err
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", http_port), timeout=5) as s:
                s.sendall(b"GET /ready HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n")
                if wait_closed(s, 5)[2].startswith(b"HTTP/1.1 200"):
                    return http_port, https_port
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the gateway never routed to the backend")


def probe_console_slowloris(server, **_):
    with socket.create_connection(("127.0.0.1", server.console_port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 1")
        closed, seconds, _ = wait_closed(s, 15)
    return closed, f"half a head: closed after {seconds:.1f} s" if closed else f"half a head: still open after {seconds:.0f} s"


def probe_gateway_slowloris(server, http_port, **_):
    """A request head to the gateway a byte a second: closed by gateway.requestHeaderTimeout (10 s)?"""
    head = b"GET /ready HTTP/1.1\r\nHost: shop.example.com\r\nX-Slow: " + b"a" * 64
    start = time.time()
    with socket.create_connection(("127.0.0.1", http_port), timeout=5) as s:
        for byte in head:
            try:
                s.sendall(bytes([byte]))
            except OSError:
                return True, f"a byte a second: closed after {time.time() - start:.1f} s"
            closed, _, _ = wait_closed(s, 1)
            if closed:
                return True, f"a byte a second: closed after {time.time() - start:.1f} s"
            if time.time() - start > 15:
                break
    return False, f"a byte a second: still open after {time.time() - start:.0f} s"


def probe_tls_handshake(server, https_port, **_):
    with socket.create_connection(("127.0.0.1", https_port), timeout=5) as s:
        s.sendall(client_hello("app.example.com"))
        closed, seconds, received = wait_closed(s, 15)
    first = "ServerHello" if received[:1] == b"\x16" else f"{received[:8]!r}"
    return closed, (f"ClientHello then silence: {first}, closed after {seconds:.1f} s" if closed
                    else f"ClientHello then silence: {first}, still open after {seconds:.0f} s")


def probe_request_body(server, http_port, backend, **_):
    with socket.create_connection(("127.0.0.1", http_port), timeout=5) as s:
        s.sendall(b"POST /upload HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 100\r\n\r\n0123456789")
        closed, seconds, received = wait_closed(s, 70, until=b"\r\n\r\n")
    return answered_408(received, closed, seconds, "10 of 100 body bytes")


def answered_408(received, closed, seconds, what):
    status = received.split(b"\r\n", 1)[0].decode(errors="replace") or "no response"
    if status.startswith("HTTP/1.1 408"):
        return True, f"{what}: {status} after {seconds:.1f} s"
    return False, f"{what}: {status}, " + (f"closed after {seconds:.1f} s" if closed else f"still open after {seconds:.0f} s")


def probe_stream_idle(server, http_port, **_):
    with socket.create_connection(("127.0.0.1", http_port), timeout=5) as s:
        s.sendall(b"GET /slow HTTP/1.1\r\nHost: shop.example.com\r\n\r\n")
        closed, seconds, received = wait_closed(s, 310, until=b"\r\n\r\n")
    return answered_408(received, closed, seconds, "upstream silent")


def probe_reserved_node(server, **_):
    status, body = server.api("POST", "/api/v1/ca/tokens", {"ttl": "5m", "nodeName": NODE_NAME})
    return status == 409, f"token for the control plane's nodeName {NODE_NAME}: {status} {body.strip()[:120]}"


def probe_unnamed_token(server, **_):
    status, body = server.api("POST", "/api/v1/ca/tokens", {"ttl": "5m"})
    return status == 400, f"token without nodeName: {status} {body.strip()[:120]}"


def probe_check_interval(server, **_):
    status, out, err = server.cli(
        "register", "--service", "probe", "--address", "127.0.0.1", "--port", "http:9", "--tcp-check",
        "--interval", "100ms", "--timeout", "50ms")
    text = (err or out).strip().replace("\n", " ")[:160]
    return status != 0, f"--interval 100ms: exit {status} {text}"


def probe_login_throttle(server, **_):
    """10 wrong tokens (console.loginThrottle's default maxFailures), then the right one."""
    url = server.url.rstrip("/") + "/api/v1/revision"

    def status(token):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    wrong = [status("0" * 64) for _ in range(10)]
    right = status(server.token)
    return right == 429, f"10 wrong tokens ({sorted(set(wrong))}), then the right one: {right}"


def get_status(port, host, path="/ready", timeout=3.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            s.settimeout(timeout)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "no answer"
    except OSError as error:
        return type(error).__name__


def probe_descriptor_flood(binary, **_):
    """Its own server under RLIMIT_NOFILE 256 (soft and hard): 300 idle gateway connections, then
    for 20 s a new console /healthz and a new gateway request every second (3 s timeout each)."""
    workdir = tempfile.mkdtemp(prefix="meshbox-nofile-")
    backend = StallingBackend()
    server = None
    idle = []
    try:
        server = Server(binary, workdir, nofile=256)
        http_port, _ = setup_gateway(server, workdir, backend)
        for _ in range(300):
            try:
                idle.append(socket.create_connection(("127.0.0.1", http_port), timeout=2))
            except OSError:
                pass
        health, gateway = [], []
        end = time.time() + 20
        while time.time() < end:
            health.append(get_status(server.console_port, "127.0.0.1", "/healthz"))
            gateway.append(get_status(http_port, "shop.example.com"))
            time.sleep(1)
        ok_health = sum(s == "200" for s in health)
        ok_gateway = sum(s == "200" for s in gateway)
        other = sorted(set(s for s in health + gateway if s != "200"))
        ok = ok_health >= len(health) * 0.9 and ok_gateway >= len(gateway) * 0.9
        return ok, (f"{len(idle)} idle connections opened; /healthz {ok_health}/{len(health)} answered 200, "
                    f"new gateway request {ok_gateway}/{len(gateway)}" + (f", else {other}" if other else ""))
    finally:
        for sock in idle:
            sock.close()
        if server:
            server.stop()
        backend.stop()
        shutil.rmtree(workdir, ignore_errors=True)


PROBES = [
    ("console-slowloris", probe_console_slowloris),
    ("gateway-slowloris", probe_gateway_slowloris),
    ("tls-handshake", probe_tls_handshake),
    ("request-body", probe_request_body),
    ("stream-idle", probe_stream_idle),
    ("reserved-node", probe_reserved_node),
    ("unnamed-token", probe_unnamed_token),
    ("check-interval", probe_check_interval),
    ("descriptor-flood", probe_descriptor_flood),
]
# Run after the others: it refuses the right token from 127.0.0.1 for a minute.
LAST = [("login-throttle", probe_login_throttle)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--skip", action="append", default=[])
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="meshbox-before-after-")
    backend = StallingBackend()
    server = None
    results = {}
    try:
        server = Server(args.binary, workdir)
        http_port, https_port = setup_gateway(server, workdir, backend)
        context = dict(server=server, http_port=http_port, https_port=https_port, backend=backend, binary=args.binary)
        wanted = lambda items: [(n, p) for n, p in items if n not in args.skip and (not args.only or n in args.only)]
        chosen = wanted(PROBES)

        def run(name, probe):
            try:
                results[name] = probe(**context)
            except Exception as error:  # a probe that breaks is a failure, with the reason
                results[name] = (False, f"error: {error!r}")

        # The slow probes wait in parallel on their own connections.
        threads = [threading.Thread(target=run, args=item) for item in chosen]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for item in wanted(LAST):
            run(*item)
        chosen += wanted(LAST)
        for name, _ in chosen:
            ok, detail = results[name]
            print(f"{'PASS' if ok else 'FAIL'}  {name:18} {detail}", flush=True)
    finally:
        if server:
            server.stop()
        backend.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(ok for ok, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
