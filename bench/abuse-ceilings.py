#!/usr/bin/env python3
"""Resource ceilings under abuse: the real `meshbox serve` gateway (plus console) on 127.0.0.1,
attacked in turn by many idle connections, slow-loris clients and 100 MB request bodies, while a
normal client keeps asking (a new connection per request, as a browser's first visit does) and
/healthz is polled on the console. Prints, per scenario, the normal client's success rate and
p50/p99 latency, what the attack achieved, and meshbox's RSS and peak RSS (VmHWM), as markdown.

    python3 bench/abuse-ceilings.py                    # all scenarios, release binary if built
    MESHBOX_BIN=.build/debug/meshbox python3 bench/abuse-ceilings.py --scenarios idle,loris

Loopback only. Bounded in count and time; stops meshbox (by its PID) and closes every socket it
opened, also on failure. Needs RLIMIT_NOFILE above --idle plus a few hundred for itself (it
raises its own soft limit to the hard limit).
"""
import argparse
import asyncio
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) // 1024
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


async def backend(reader, writer):
    """A keep-alive HTTP/1.1 server that reads any Content-Length body and answers 200 `ok`."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while length > 0:
                chunk = await reader.read(min(length, 1 << 20))
                if not chunk:
                    return
                length -= len(chunk)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, asyncio.CancelledError):
        pass  # the peer went away, or the script is ending
    finally:
        writer.close()


async def one_request(port, path="/", host="abuse.test", timeout=5.0):
    """GET on a new connection; returns the latency in ms, or None when it failed or took too long."""
    start = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(f"GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n".encode())
        status = await asyncio.wait_for(reader.readline(), timeout - (time.monotonic() - start))
        if not status.startswith(b"HTTP/1.1 200"):
            return None
        return (time.monotonic() - start) * 1000
    except (OSError, asyncio.TimeoutError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()


class Prober:
    """The normal client and the health poller, for the length of one scenario."""

    def __init__(self, gateway_port, console_port):
        self.gateway_port, self.console_port = gateway_port, console_port
        self.latencies, self.failures, self.health_failures, self.health_total = [], 0, 0, 0
        self.running = True

    async def run(self):
        while self.running:
            latency = await one_request(self.gateway_port)
            if latency is None:
                self.failures += 1
            else:
                self.latencies.append(latency)
            healthy = await one_request(self.console_port, "/healthz", "127.0.0.1")
            self.health_total += 1
            self.health_failures += healthy is None
            await asyncio.sleep(0.1)

    def summary(self):
        total = len(self.latencies) + self.failures
        ok = 100.0 * len(self.latencies) / total if total else 0.0
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) if ordered else float("nan")
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")
        health = 100.0 * (self.health_total - self.health_failures) / self.health_total if self.health_total else 0.0
        return f"{ok:.1f} % of {total}", f"{p50:.1f}", f"{p99:.1f}", f"{health:.1f} %"


async def scenario_idle(port, count, hold):
    """`count` connections that send nothing. Returns what the server kept open at the end."""
    writers, failed = [], 0
    for start in range(0, count, 250):
        batch = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", port) for _ in range(min(250, count - start))),
            return_exceptions=True)
        for item in batch:
            if isinstance(item, tuple):
                writers.append(item)
            else:
                failed += 1
    await asyncio.sleep(hold)
    kept = 0
    for reader, _ in writers:
        try:
            data = await asyncio.wait_for(reader.read(1), 0.001)
            kept += 0 if data == b"" else 1
        except asyncio.TimeoutError:
            kept += 1  # nothing to read and not closed: still open
        except OSError:
            pass
    for _, writer in writers:
        writer.close()
    return f"{len(writers)} opened ({failed} refused by the kernel), {kept} still open after {hold:.0f} s"


async def scenario_loris(port, count, hold):
    """`count` clients that send a request head one byte at a time, reconnecting when closed."""
    closed_by_server = 0
    deadline = time.monotonic() + hold

    async def loris():
        nonlocal closed_by_server
        while time.monotonic() < deadline:
            writer = None
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET / HTTP/1.1\r\nhost: abuse.test\r\n")
                while time.monotonic() < deadline:
                    await asyncio.sleep(1.0)
                    writer.write(b"x")
                    await writer.drain()
                    if writer.transport.is_closing():
                        break
                else:
                    return
                closed_by_server += 1
            except OSError:
                closed_by_server += 1
                await asyncio.sleep(0.5)
            finally:
                if writer is not None:
                    writer.close()

    await asyncio.gather(*(loris() for _ in range(count)))
    return f"{count} clients for {hold:.0f} s; the server closed them {closed_by_server} times"


async def scenario_bodies(port, clients, megabytes):
    """`clients` POSTs of `megabytes` MiB each, sent as fast as the gateway reads them."""
    chunk = b"x" * (1 << 20)

    async def post():
        start = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                f"POST /upload HTTP/1.1\r\nhost: abuse.test\r\ncontent-length: {megabytes << 20}\r\n\r\n".encode())
            for _ in range(megabytes):
                writer.write(chunk)
                await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 60)
            return status.decode().strip(), time.monotonic() - start
        finally:
            writer.close()

    results = await asyncio.gather(*(post() for _ in range(clients)), return_exceptions=True)
    answers = [r[0] if isinstance(r, tuple) else type(r).__name__ for r in results]
    seconds = max((r[1] for r in results if isinstance(r, tuple)), default=float("nan"))
    return f"{clients} × {megabytes} MiB: {', '.join(sorted(set(answers)))} in {seconds:.1f} s"


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="idle,loris,bodies")
    parser.add_argument("--idle", type=int, default=10_000, help="idle connections")
    parser.add_argument("--loris", type=int, default=1_000, help="slow-loris clients")
    parser.add_argument("--bodies", type=int, default=4, help="concurrent 100 MB uploads")
    parser.add_argument("--body-mb", type=int, default=100)
    parser.add_argument("--hold", type=float, default=20.0, help="seconds each attack is held")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    binary = os.environ.get("MESHBOX_BIN") or next(
        p for p in (f"{ROOT}/.build-release/release/meshbox", f"{ROOT}/.build/debug/meshbox") if os.path.exists(p))

    backend_server = await asyncio.start_server(backend, "127.0.0.1", 0, backlog=1024)
    backend_port = backend_server.sockets[0].getsockname()[1]
    gateway_port, console_port = free_port(), free_port()
    work = tempfile.mkdtemp(prefix="meshbox-abuse-")
    with open(f"{work}/abuse.yaml", "w") as config:
        config.write(f"""apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: abuse, namespace: default}}
spec:
  servers:
  - port: {{number: {gateway_port}, name: http, protocol: HTTP}}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: backend, namespace: default}}
spec:
  hosts: [backend.abuse]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{{number: {backend_port}, name: http, protocol: HTTP}}]
  endpoints: [{{address: 127.0.0.1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: abuse, namespace: default}}
spec:
  hosts: ["*"]
  gateways: [abuse]
  http:
  - route: [{{destination: {{host: backend.abuse, port: {{number: {backend_port}}}}}}}]
""")
    log = open(f"{work}/meshbox.log", "w")
    process = subprocess.Popen(
        [binary, "serve", "--roles", "config,registry,gateway,console", "--data-dir", f"{work}/data",
         "--apply", f"{work}/abuse.yaml", "--gateway-listen", "127.0.0.1", "--gateway-threads", "1",
         "--console-listen", f"127.0.0.1:{console_port}", "--access-log", "off", "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT)
    rows = []
    try:
        for _ in range(200):
            if await one_request(gateway_port, timeout=1.0) is not None:
                break
            if process.poll() is not None:
                sys.exit(f"meshbox exited with {process.returncode}; see {work}/meshbox.log")
            await asyncio.sleep(0.1)
        rss, hwm = memory(process.pid)
        print(f"binary: {binary}; started: RSS {rss} MiB, peak {hwm} MiB; descriptors open: {open_fds(process.pid)};"
              f" this script's RLIMIT_NOFILE {hard}")
        attacks = {
            "idle": lambda: scenario_idle(gateway_port, args.idle, args.hold),
            "loris": lambda: scenario_loris(gateway_port, args.loris, args.hold),
            "bodies": lambda: scenario_bodies(gateway_port, args.bodies, args.body_mb),
        }
        for name in args.scenarios.split(","):
            prober = Prober(gateway_port, console_port)
            probing = asyncio.ensure_future(prober.run())
            what = await attacks[name]()
            prober.running = False
            await probing
            rss, hwm = memory(process.pid)
            rows.append((name, what, *prober.summary(), f"{rss}", f"{hwm}"))
            if process.poll() is not None:
                rows.append((name, f"meshbox died with {process.returncode}", "", "", "", "", "", ""))
                break
            await asyncio.sleep(2)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        backend_server.close()
        log.close()
    print("\n| scenario | attack | normal client OK | p50 ms | p99 ms | /healthz OK | RSS MiB | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    with open(f"{work}/meshbox.log") as text:
        warnings = [line.strip() for line in text if line.strip()]
    print(f"\nmeshbox logged {len(warnings)} lines; the first: {warnings[:3]}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
