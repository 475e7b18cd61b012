#!/usr/bin/env python3
"""Issue 15's node-proxy benchmarks, side by side in one run, through one network-namespace setup.

Builds two network namespaces of its own, a client and a server joined by a veth pair, and
never touches the machine's own namespace (no rule, route, address or sysctl outside them):

    client ns (10.203.0.1)                                   server ns (10.203.0.2)
      meshbox serve --roles all,proxy (proxy.capture: iptables)   iperf3 -s :5201
      haproxy (mode tcp, nbthread 1) on 127.0.0.1:1600x           nginx (1 worker) :8080
      iptables DNAT rules (kube-proxy's mechanism)                 python echo server :7007
      the load tools (iperf3 -c, wrk, the connect client)

L4 targets, each a VIP reached through nat OUTPUT, all to the same backends:
    direct   10.203.0.2           no VIP (reference)
    dnat     240.241.0.1          -j DNAT --to-destination 10.203.0.2 (the kernel floor)
    haproxy  240.241.0.2          -j REDIRECT to HAProxy (TCP mode, one thread)
    meshbox  240.240.200.x        meshbox's capture rules, its TCP relay (one event loop)

Measures (each in this one run, targets interleaved round by round, order rotated):
  * L4 bulk: iperf3 -c <target> -t D (one stream): MiB/s, and CPU per MiB of the proxy process
    and of the whole path (client + server + proxy processes, utime+stime from /proc/<pid>/stat
    and the client's rusage).
  * L4 short connections: wrk -H 'Connection: close' against nginx through a TCP-protocol VIP:
    connections/s and CPU per connection.
  * L7: wrk keep-alive and close against an HTTP service VIP (a VirtualService bound to the mesh)
    and the same backend through a Gateway of the same process: meshbox CPU per request.
  * Reconcile: the duration of capture passes (`meshbox proxy status`: last reconcile) for
    1,000 and 10,000 services (first pass after a start, from an empty nat table), for one
    service changed among 1,000 and 10,000, a repair after `iptables -t nat -F`, and
    `meshbox proxy uninstall` of 10,000.
  * Connect cost: connect + 1-byte echo + close through a VIP, at 1,000 and 10,000 VIPs, for the
    VIP first and last in MESHBOX-SERVICES: p50/p99.

Needs root, ip, iptables(-nft), iperf3, wrk, nginx, haproxy, python3 (Debian: apt-get install
iperf3 wrk nginx-light haproxy). Uses the production binary (.build-release/release/meshbox,
`scripts/build-release.sh`), or MESHBOX_BIN. Every process it starts is stopped by its PID and
both namespaces are deleted on exit, failed or not.

    python3 bench/proxy-netns-bench.py [--rounds 3] [--duration 5] [--services 1000,10000]

Results: a markdown report on stdout and in <out>/report.md, raw numbers in <out>/raw.json.
"""

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")
PATH_ENV = {"PATH": "/usr/sbin:/sbin:/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}

CLIENT_IP, SERVER_IP = "10.203.0.1", "10.203.0.2"
DNAT_VIP, HAPROXY_VIP = "240.241.0.1", "240.241.0.2"
MB = {"bulk": "240.240.200.1", "tcpweb": "240.240.200.2", "web": "240.240.200.3",
      "a-echo": "240.240.200.4", "zz-echo": "240.240.200.5"}
IPERF_PORT, WEB_PORT, ECHO_PORT = 5201, 8080, 7007
GATEWAY_PORT = 18190
HAPROXY_PORTS = {"bulk": 16001, "web": 16002, "echo": 16003}

ECHO_SERVER = r"""
import selectors, socket, sys
sel = selectors.DefaultSelector()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(4096)
ls.setblocking(False)
sel.register(ls, selectors.EVENT_READ, None)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        if key.data is None:
            try:
                while True:
                    c, _ = ls.accept()
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, 1)
            except (BlockingIOError, InterruptedError):
                pass
            continue
        c = key.fileobj
        try:
            d = c.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            d = b""
        if d:
            try:
                c.send(d)
            except OSError:
                pass
        else:
            sel.unregister(c)
            c.close()
"""

CONNECT_CLIENT = r"""
import json, socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
warm = max(50, n // 20)
times = []
for i in range(n + warm):
    t0 = time.perf_counter_ns()
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"x")
    b = s.recv(1)
    s.close()
    t1 = time.perf_counter_ns()
    if b != b"x":
        sys.exit("no echo from %s:%d" % (host, port))
    if i >= warm:
        times.append((t1 - t0) / 1000)
times.sort()
q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
print(json.dumps({"n": n, "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "mean": sum(times) / n}))
"""

STATUS_POLL = r"""
# Waits until meshbox's count of successful capture passes exceeds `before` and prints the status
# with the pass's own duration (the growth of the duration histogram's sum over that one pass).
import json, re, sys, time, urllib.request
url, token, before, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + token})
    return urllib.request.urlopen(req, timeout=10).read().decode()
def counters():
    text = get("/metrics")
    ok = re.search(r'^meshbox_proxy_capture_reconciles_total\{[^}]*result="ok"[^}]*\} (\S+)', text, re.M)
    total = re.search(r'^meshbox_proxy_capture_reconcile_duration_seconds_sum\{[^}]*\} (\S+)', text, re.M)
    return int(float(ok.group(1))) if ok else 0, float(total.group(1)) if total else 0.0
if before < 0:
    print(json.dumps(dict(zip(("passes", "seconds"), counters()))))
    sys.exit(0)
deadline = time.monotonic() + timeout
while True:
    try:
        passes, seconds = counters()
    except Exception as e:
        passes, seconds = 0, 0.0
    if passes > before:
        time.sleep(0.05)  # the status board is written just after the metrics
        doc = json.loads(get("/api/v1/proxy/status"))
        doc.update(passes=passes, seconds=seconds)
        print(json.dumps(doc))
        sys.exit(0)
    if time.monotonic() > deadline:
        print(json.dumps({"passes": passes}))
        sys.exit(1)
    time.sleep(0.01)
"""


def log(msg):
    print("[%s] %s" % (datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S"), msg),
          file=sys.stderr, flush=True)


class Failure(Exception):
    pass


# ------------------------------------------------------------------ CPU accounting

def proc_ticks(pid):
    """utime+stime of one process (all its threads), in clock ticks; 0 when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError, ValueError):
        return 0


def children_of(pid):
    out = []
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            for c in f.read().split():
                out.append(int(c))
                out += children_of(int(c))
    except OSError:
        pass
    return out


def tree_ticks(pid):
    return sum(proc_ticks(p) for p in [pid] + children_of(pid))


def machine_busy():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def ksoftirqd_pids():
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().startswith("ksoftirqd/"):
                        pids.append(int(d))
            except OSError:
                pass
    return pids


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ------------------------------------------------------------------ the bench

class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.binary)
        tag = secrets.token_hex(3)
        self.nsc, self.nss = "mbxbench-c-" + tag, "mbxbench-s-" + tag
        self.vethc, self.veths = "mbxc" + tag, "mbxs" + tag
        self.namespaces = []
        self.procs = {}  # name -> Popen (each started by us; stopped by its PID)
        self.work = tempfile.mkdtemp(prefix="proxy-netns-bench.")
        os.chmod(self.work, 0o755)
        self.out = args.out or "/tmp/proxy-netns-bench-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        os.makedirs(self.out, exist_ok=True)
        self.data = os.path.join(self.work, "data")
        self.results = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        self.ksoftirqd = ksoftirqd_pids()
        self.altered = set()

    # -------------------------------------------------------------- processes
    def run(self, ns, *argv, check=True, input=None, timeout=600):
        cmd = (["ip", "netns", "exec", ns] if ns else []) + list(argv)
        p = subprocess.run(cmd, input=input, capture_output=True, text=True, env=PATH_ENV, timeout=timeout)
        if check and p.returncode != 0:
            raise Failure("%s exited %d: %s%s" % (" ".join(cmd), p.returncode, p.stderr[-2000:], p.stdout[-500:]))
        return p

    def spawn(self, name, ns, *argv):
        logf = open(os.path.join(self.work, name + ".log"), "ab")
        p = subprocess.Popen(["ip", "netns", "exec", ns] + list(argv), stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=PATH_ENV, start_new_session=True)
        logf.close()
        self.procs[name] = p
        return p

    def stop(self, name, sig=signal.SIGTERM, wait=30.0):
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return 0.0
        t0 = time.monotonic()
        p.send_signal(sig)
        try:
            p.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        return time.monotonic() - t0

    def logtail(self, name, n=30):
        try:
            with open(os.path.join(self.work, name + ".log"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def cleanup(self):
        for name in list(self.procs):
            try:
                self.stop(name, wait=20)
            except Exception as e:  # keep cleaning
                log("stopping %s: %s" % (name, e))
        # Anything still in our namespaces was started by this run (the namespaces are ours).
        for ns in self.namespaces:
            p = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, env=PATH_ENV)
            for pid in p.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
        for ns in self.namespaces:
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, env=PATH_ENV)
        self.namespaces = []
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            log("work dir kept: %s" % self.work)

    def wait_for(self, what, predicate, timeout=60.0, interval=0.1, proc=None):
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if proc is not None and self.procs.get(proc) is not None and self.procs[proc].poll() is not None:
                raise Failure("%s exited while waiting for %s:\n%s" % (proc, what, self.logtail(proc)))
            if time.monotonic() > deadline:
                raise Failure("timed out waiting for %s" % what + ("\n" + self.logtail(proc) if proc else ""))
            time.sleep(interval)

    # -------------------------------------------------------------- setup
    def setup_network(self):
        for ns in (self.nsc, self.nss):
            self.run(None, "ip", "netns", "add", ns)
            self.namespaces.append(ns)
            self.run(ns, "ip", "link", "set", "lo", "up")
        # The pair is created inside the namespaces: neither end ever exists in the host's.
        self.run(self.nsc, "ip", "link", "add", self.vethc, "type", "veth", "peer", "name", self.veths,
                 "netns", self.nss)
        self.run(self.nsc, "ip", "addr", "add", CLIENT_IP + "/24", "dev", self.vethc)
        self.run(self.nsc, "ip", "link", "set", self.vethc, "up")
        self.run(self.nss, "ip", "addr", "add", SERVER_IP + "/24", "dev", self.veths)
        self.run(self.nss, "ip", "link", "set", self.veths, "up")
        # What a host's default route gives the VIP ranges (nat OUTPUT runs after routing).
        self.run(self.nsc, "ip", "route", "add", "240.240.0.0/15", "via", SERVER_IP)
        for ns in (self.nsc, self.nss):
            self.run(ns, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65000")
            self.run(ns, "sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1")
            self.run(ns, "sysctl", "-q", "-w", "net.core.somaxconn=4096")
        rules = [
            "*nat", ":BENCH-OUTPUT - [0:0]",
            "-A OUTPUT -d 240.241.0.0/24 -j BENCH-OUTPUT",
            "-A BENCH-OUTPUT -d %s/32 -p tcp -m tcp --dport %d -j DNAT --to-destination %s:%d"
            % (DNAT_VIP, IPERF_PORT, SERVER_IP, IPERF_PORT),
            "-A BENCH-OUTPUT -d %s/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination %s:%d"
            % (DNAT_VIP, SERVER_IP, WEB_PORT),
            "-A BENCH-OUTPUT -d %s/32 -p tcp -m tcp --dport 7 -j DNAT --to-destination %s:%d"
            % (DNAT_VIP, SERVER_IP, ECHO_PORT),
            "-A BENCH-OUTPUT -d %s/32 -p tcp -m tcp --dport %d -j REDIRECT --to-ports %d"
            % (HAPROXY_VIP, IPERF_PORT, HAPROXY_PORTS["bulk"]),
            "-A BENCH-OUTPUT -d %s/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports %d"
            % (HAPROXY_VIP, HAPROXY_PORTS["web"]),
            "-A BENCH-OUTPUT -d %s/32 -p tcp -m tcp --dport 7 -j REDIRECT --to-ports %d"
            % (HAPROXY_VIP, HAPROXY_PORTS["echo"]),
            "COMMIT", ""]
        self.run(self.nsc, "iptables-restore", "--noflush", "-w", "5", input="\n".join(rules))

    def start_backends(self):
        self.spawn("iperf3-server", self.nss, "iperf3", "-s", "-B", SERVER_IP, "-p", str(IPERF_PORT))
        body = "x" * 63 + "\\n"
        conf = os.path.join(self.work, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""worker_processes 1;
daemon off;
pid %(w)s/nginx.pid;
error_log %(w)s/nginx-error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path %(w)s/tmp; proxy_temp_path %(w)s/tmp; fastcgi_temp_path %(w)s/tmp;
  uwsgi_temp_path %(w)s/tmp; scgi_temp_path %(w)s/tmp;
  server {
    listen %(ip)s:%(port)d backlog=4096;
    location / { default_type text/plain; return 200 "%(body)s"; }
  }
}
""" % {"w": self.work, "ip": SERVER_IP, "port": WEB_PORT, "body": body})
        os.makedirs(os.path.join(self.work, "tmp"), exist_ok=True)
        self.spawn("nginx", self.nss, "nginx", "-e", os.path.join(self.work, "nginx-error.log"), "-p", self.work,
                   "-c", conf)
        echo = os.path.join(self.work, "echo.py")
        with open(echo, "w") as f:
            f.write(ECHO_SERVER)
        self.spawn("echo", self.nss, "python3", echo, SERVER_IP, str(ECHO_PORT))
        hcfg = os.path.join(self.work, "haproxy.cfg")
        with open(hcfg, "w") as f:
            f.write("global\n  nbthread 1\n  maxconn 8000\ndefaults\n  mode tcp\n  timeout connect 5s\n"
                    "  timeout client 300s\n  timeout server 300s\n")
            for name, port, target in (("bulk", HAPROXY_PORTS["bulk"], IPERF_PORT),
                                       ("web", HAPROXY_PORTS["web"], WEB_PORT),
                                       ("echo", HAPROXY_PORTS["echo"], ECHO_PORT)):
                f.write("listen %s\n  bind 127.0.0.1:%d\n  server s1 %s:%d\n" % (name, port, SERVER_IP, target))
        self.spawn("haproxy", self.nsc, "haproxy", "-db", "-f", hcfg)
        for port in (IPERF_PORT, WEB_PORT, ECHO_PORT):
            self.wait_for("backend port %d" % port,
                          lambda port=port: self.run(self.nsc, "python3", "-c",
                                                     "import socket; socket.create_connection(('%s', %d), 2).close()"
                                                     % (SERVER_IP, port), check=False).returncode == 0,
                          timeout=20, interval=0.3)

    # -------------------------------------------------------------- meshbox
    def meshbox_config(self):
        path = os.path.join(self.work, "meshbox.yaml")
        with open(path, "w") as f:
            f.write("proxy:\n  capture: %s\n" % self.args.capture)
            if self.args.no_ipv6:
                f.write('serviceCIDRv6: ""\n')
        return path

    def start_meshbox(self):
        url = os.path.join(self.data, "console.url")
        if os.path.exists(url):
            os.remove(url)
        self.spawn("meshbox", self.nsc, self.bin, "serve", "--roles", "all,proxy", "--config", self.meshbox_config(),
                   "--data-dir", self.data, "--console-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1",
                   "--gateway-threads", "1", "--access-log", "off", "--log-level", "warning")
        self.wait_for("meshbox's console", lambda: os.path.exists(url), timeout=120, proc="meshbox")
        time.sleep(0.2)
        with open(url) as f:
            self.console = f.read().strip()
        with open(os.path.join(self.data, "admin-token")) as f:
            self.token = f.read().strip()

    def cli(self, *argv, input_file=None, timeout=900):
        args = [self.bin] + list(argv) + ["--data-dir", self.data]
        if input_file:
            args += ["-f", input_file]
        return self.run(self.nsc, *args, timeout=timeout)

    def counters(self):
        """(successful capture passes, their summed duration in s) from /metrics."""
        p = self.run(self.nsc, "python3", "-c", STATUS_POLL, self.console, self.token, "-1", "0")
        doc = json.loads(p.stdout)
        return doc["passes"], doc["seconds"]

    def wait_pass(self, before, timeout=300.0):
        """Waits for the capture pass after `before` (counters()); the status, with `pass_s`, that pass's
        duration (when exactly one pass came) and `passes_seen`."""
        passes, seconds = before or (0, 0.0)
        p = self.run(self.nsc, "python3", "-c", STATUS_POLL, self.console, self.token, str(passes), str(timeout),
                     check=False, timeout=timeout + 30)
        doc = json.loads(p.stdout or "{}")
        if p.returncode != 0:
            raise Failure("no capture pass came: %s\n%s" % (doc, self.logtail("meshbox")))
        doc["passes_seen"] = doc["passes"] - passes
        doc["pass_s"] = (doc["seconds"] - seconds) if doc["passes_seen"] == 1 else doc.get("lastReconcileSeconds")
        return doc

    def register_instances(self):
        for service, port in (("bench-bulk", "tcp-iperf:%d" % IPERF_PORT), ("bench-tcpweb", "tcp-web:%d" % WEB_PORT),
                              ("bench-web", "http:%d" % WEB_PORT), ("a-echo", "tcp-echo:%d" % ECHO_PORT),
                              ("zz-echo", "tcp-echo:%d" % ECHO_PORT)):
            self.cli("register", "--service", service, "--id", service + "-1", "--address", SERVER_IP, "--port", port)

    def bench_yaml(self):
        def svc(name, vip, pname, number, proto):
            return ("apiVersion: meshbox.io/v1\nkind: Service\nmetadata: {name: %s, namespace: default}\nspec:\n"
                    "  vip: %s\n  ports: [{name: %s, number: %d, protocol: %s}]\n" % (name, vip, pname, number, proto))
        docs = [
            svc("bench-bulk", MB["bulk"], "tcp-iperf", IPERF_PORT, "TCP"),
            svc("bench-tcpweb", MB["tcpweb"], "tcp-web", 80, "TCP"),
            svc("bench-web", MB["web"], "http", 80, "HTTP"),
            svc("a-echo", MB["a-echo"], "tcp-echo", 7, "TCP"),
            svc("zz-echo", MB["zz-echo"], "tcp-echo", 7, "TCP"),
            """apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  servers:
  - port: {number: %d, name: http, protocol: HTTP}
    hosts: ["*"]
""" % GATEWAY_PORT,
            """apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bench-gateway, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bench]
  http:
  - route: [{destination: {host: bench-web, port: {number: 80}}}]
""",
            """apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bench-mesh, namespace: default}
spec:
  hosts: [bench-web]
  gateways: [mesh]
  http:
  - route: [{destination: {host: bench-web, port: {number: 80}}}]
""",
        ]
        path = os.path.join(self.work, "bench.yaml")
        with open(path, "w") as f:
            f.write("---\n".join(docs))
        return path

    @staticmethod
    def filler_vip(i):
        return "240.240.%d.%d" % (1 + i // 250, 1 + i % 250)

    def filler_yaml(self, start, end, name="fillers", alt=None):
        """Services fill-<start>..fill-<end-1>, two ports each (HTTP 80, TCP 5432); `alt` gets 5433."""
        path = os.path.join(self.work, "%s-%d-%d.yaml" % (name, start, end))
        with open(path, "w") as f:
            for i in range(start, end):
                tcp = 5433 if alt == i else 5432
                f.write("---\napiVersion: meshbox.io/v1\nkind: Service\nmetadata: {name: fill-%05d, namespace: default}\n"
                        "spec:\n  vip: %s\n  ports: [{name: http, number: 80, protocol: HTTP}, "
                        "{name: tcp-db, number: %d, protocol: TCP}]\n" % (i, self.filler_vip(i), tcp))
        return path

    def services_chain_position(self, vip):
        if self.args.capture != "iptables":
            return None, None
        out = self.run(self.nsc, "iptables-save", "-t", "nat").stdout
        jumps = [l for l in out.splitlines() if l.startswith("-A MESHBOX-SERVICES -d ")]
        for i, l in enumerate(jumps):
            if l.startswith("-A MESHBOX-SERVICES -d %s/32 " % vip):
                return i + 1, len(jumps)
        return None, len(jumps)

    def wait_vip(self, vip, port):
        self.wait_for("%s:%d to answer through meshbox" % (vip, port),
                      lambda: self.run(self.nsc, "python3", "-c",
                                       "import socket; s=socket.create_connection(('%s', %d), 2); s.sendall(b'x');"
                                       " assert s.recv(1) == b'x'" % (vip, port), check=False).returncode == 0,
                      timeout=60, interval=0.5, proc="meshbox")

    # -------------------------------------------------------------- measuring
    def long_lived(self):
        return {n: p.pid for n, p in self.procs.items() if p.poll() is None}

    def measured(self, client_argv, proxy, servers):
        """Runs a client in the client ns; returns (its stdout, CPU seconds by role, foreign CPU %)."""
        pids = self.long_lived()
        before = {n: tree_ticks(pid) for n, pid in pids.items()}
        soft0 = sum(proc_ticks(p) for p in self.ksoftirqd)
        busy0, total0 = machine_busy()
        t0 = time.monotonic()
        out_path = os.path.join(self.work, "client.out")
        with open(out_path, "wb") as out:
            p = subprocess.Popen(["ip", "netns", "exec", self.nsc] + client_argv, stdout=out, stderr=subprocess.STDOUT,
                                 env=PATH_ENV)
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t0
        busy1, total1 = machine_busy()
        soft1 = sum(proc_ticks(p) for p in self.ksoftirqd)
        after = {n: tree_ticks(pid) for n, pid in pids.items()}
        with open(out_path, errors="replace") as f:
            text = f.read()
        if p.returncode != 0:
            raise Failure("%s exited %d: %s" % (" ".join(client_argv), p.returncode, text[-2000:]))
        delta = {n: (after[n] - before[n]) / CLK_TCK for n in pids}
        client = ru.ru_utime + ru.ru_stime
        ours = sum(delta.values()) + client
        machine = (busy1 - busy0) / CLK_TCK
        ncpu = os.cpu_count() or 1
        cpu = {
            "proxy": sum(delta.get(n, 0.0) for n in proxy),
            "server": sum(delta.get(n, 0.0) for n in servers),
            "client": client,
            "ksoftirqd": (soft1 - soft0) / CLK_TCK,
            "wall": wall,
            "foreign_pct": max(0.0, 100.0 * (machine - ours) / (ncpu * wall)) if wall > 0 else None,
        }
        return text, cpu

    def rotate(self, items, k):
        k %= len(items)
        return items[k:] + items[:k]

    def l4_bulk(self):
        targets = [("direct", SERVER_IP, []), ("dnat", DNAT_VIP, []), ("haproxy", HAPROXY_VIP, ["haproxy"]),
                   ("meshbox", MB["bulk"], ["meshbox"])]
        rows = []
        for rnd in range(self.args.rounds):
            for name, addr, proxy in self.rotate(targets, rnd):
                text, cpu = self.measured(["iperf3", "-c", addr, "-p", str(IPERF_PORT), "-t", str(self.args.duration),
                                           "-J"], proxy, ["iperf3-server"])
                doc = json.loads(text)
                recv = doc["end"]["sum_received"]
                mib = recv["bytes"] / 2 ** 20
                row = dict(target=name, round=rnd + 1, mib=mib, mib_s=mib / recv["seconds"],
                           proxy_us_per_mib=1e6 * cpu["proxy"] / mib,
                           path_us_per_mib=1e6 * (cpu["proxy"] + cpu["server"] + cpu["client"]) / mib,
                           ksoftirqd_us_per_mib=1e6 * cpu["ksoftirqd"] / mib, cpu=cpu)
                rows.append(row)
                log("  bulk r%d %-8s %8.0f MiB/s  proxy %7.1f us/MiB  path %7.1f us/MiB  foreign %4.0f%%"
                    % (rnd + 1, name, row["mib_s"], row["proxy_us_per_mib"], row["path_us_per_mib"],
                       cpu["foreign_pct"]))
        return rows

    def wrk(self, url, conns, close, proxy):
        argv = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % self.args.duration, "--latency"]
        if close:
            argv += ["-H", "Connection: close"]
        text, cpu = self.measured(argv + [url], proxy, ["nginx"])
        m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
        if not m:
            raise Failure("wrk output without a count: %s" % text)
        requests = int(m.group(1))
        seconds = float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        errs = (sum(int(x) for x in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0)
        lat = {}
        for pct in ("50", "99"):
            mm = re.search(r"^\s+%s(?:\.000)?%%\s+([\d.]+)(us|ms|s)" % pct, text, re.M)
            if mm:
                lat[pct] = float(mm.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[mm.group(2)]
        return dict(requests=requests, rps=requests / seconds, errors=errs, p50_us=lat.get("50"),
                    p99_us=lat.get("99"), proxy_us_per_req=1e6 * cpu["proxy"] / max(1, requests),
                    path_us_per_req=1e6 * (cpu["proxy"] + cpu["server"] + cpu["client"]) / max(1, requests), cpu=cpu)

    def l4_short(self):
        targets = [("direct", "http://%s:%d/" % (SERVER_IP, WEB_PORT), []),
                   ("dnat", "http://%s/" % DNAT_VIP, []),
                   ("haproxy", "http://%s/" % HAPROXY_VIP, ["haproxy"]),
                   ("meshbox", "http://%s/" % MB["tcpweb"], ["meshbox"])]
        rows = []
        for rnd in range(self.args.rounds):
            for name, url, proxy in self.rotate(targets, rnd):
                row = self.wrk(url, self.args.conns, True, proxy)
                row.update(target=name, round=rnd + 1)
                rows.append(row)
                log("  short r%d %-8s %8.0f conn/s  proxy %6.1f us/conn  errors %d  foreign %4.0f%%"
                    % (rnd + 1, name, row["rps"], row["proxy_us_per_req"], row["errors"], row["cpu"]["foreign_pct"]))
        return rows

    def l7(self):
        targets = [("direct", "http://%s:%d/" % (SERVER_IP, WEB_PORT), []),
                   ("mesh VIP", "http://%s/" % MB["web"], ["meshbox"]),
                   ("gateway", "http://127.0.0.1:%d/" % GATEWAY_PORT, ["meshbox"])]
        rows = []
        for rnd in range(self.args.rounds):
            for close in (False, True):
                for name, url, proxy in self.rotate(targets, rnd):
                    row = self.wrk(url, self.args.conns, close, proxy)
                    row.update(target=name, round=rnd + 1, scenario="close" if close else "keep-alive")
                    rows.append(row)
                    log("  l7 r%d %-10s %-9s %8.0f req/s  meshbox %6.1f us/req  errors %d  foreign %4.0f%%"
                        % (rnd + 1, row["scenario"], name, row["rps"], row["proxy_us_per_req"], row["errors"],
                           row["cpu"]["foreign_pct"]))
        return rows

    def connect_cost(self, label):
        client = os.path.join(self.work, "connect.py")
        with open(client, "w") as f:
            f.write(CONNECT_CLIENT)
        targets = [("direct", SERVER_IP, ECHO_PORT), ("dnat", DNAT_VIP, 7), ("haproxy", HAPROXY_VIP, 7),
                   ("meshbox, first VIP", MB["a-echo"], 7), ("meshbox, last VIP", MB["zz-echo"], 7)]
        positions = {name: self.services_chain_position(addr) for name, addr, _ in targets if name.startswith("meshbox")}
        rows = []
        for rnd in range(self.args.rounds):
            for name, addr, port in self.rotate(targets, rnd):
                proxy = ["meshbox"] if name.startswith("meshbox") else (["haproxy"] if name == "haproxy" else [])
                text, cpu = self.measured(["python3", client, addr, str(port), str(self.args.connects)], proxy, ["echo"])
                doc = json.loads(text.strip().splitlines()[-1])
                doc.update(target=name, round=rnd + 1, vips=label, position=positions.get(name),
                           proxy_us_per_conn=1e6 * cpu["proxy"] / (doc["n"] * 1.05), cpu=cpu)
                rows.append(doc)
                log("  connect %s r%d %-19s p50 %6.0f us  p99 %6.0f us  foreign %4.0f%%"
                    % (label, rnd + 1, name, doc["p50"], doc["p99"], cpu["foreign_pct"]))
        return rows

    # -------------------------------------------------------------- reconcile
    def timed_apply(self, label, path):
        before = self.counters()
        t0 = time.monotonic()
        self.cli("apply", input_file=path)
        applied = time.monotonic()
        doc = self.wait_pass(before)
        row = dict(what=label, pass_s=doc["pass_s"], passes=doc["passes_seen"], apply_s=applied - t0,
                   apply_to_pass_s=time.monotonic() - applied,
                   rules=sum(f.get("rules", 0) for f in doc.get("families", [])), vips=doc.get("vipCount"))
        log("  reconcile %-40s pass %.3f s (apply %.2f s, apply→pass seen %.2f s, %s rules)"
            % (label, row["pass_s"], row["apply_s"], row["apply_to_pass_s"], row["rules"]))
        return row

    def restart(self, label):
        t0 = time.monotonic()
        stopped = self.stop("meshbox", wait=120)
        left = self.run(self.nsc, "iptables-save", "-t", "nat").stdout.count("MESHBOX")
        t1 = time.monotonic()
        self.start_meshbox()
        doc = self.wait_pass(None)
        row = dict(what=label, pass_s=doc["pass_s"], passes=doc["passes_seen"], stop_s=stopped,
                   start_to_pass_s=time.monotonic() - t1, meshbox_rules_left_at_stop=left,
                   rules=sum(f.get("rules", 0) for f in doc.get("families", [])), vips=doc.get("vipCount"))
        log("  reconcile %-40s pass %.3f s (clean stop %.2f s, start→pass seen %.2f s, %s rules)"
            % (label, row["pass_s"], stopped, row["start_to_pass_s"], row["rules"]))
        self.register_instances()
        return row

    def one_changes(self, total, count):
        """`count` passes, each after one apply that changes one service's TCP port (5432 <-> 5433)."""
        rows = []
        for k in range(count):
            i = (k * 7919 + total) % total
            if i in self.altered:
                self.altered.discard(i)
            else:
                self.altered.add(i)
            path = self.filler_yaml(i, i + 1, name="change%d" % k, alt=i if i in self.altered else None)
            rows.append(self.timed_apply("one service changed among %d" % (total + 5), path))
        return rows

    def flush_repair(self):
        before = self.counters()
        t0 = time.monotonic()
        if self.args.capture == "iptables":
            self.run(self.nsc, "iptables", "-w", "5", "-t", "nat", "-F")
        else:
            self.run(self.nsc, "nft", "flush", "ruleset")
        doc = self.wait_pass(before, timeout=60)
        row = dict(what="repair after " + ("iptables -t nat -F" if self.args.capture == "iptables" else "nft flush ruleset"), pass_s=doc["pass_s"], passes=doc["passes_seen"],
                   flush_to_pass_s=time.monotonic() - t0, repairs=doc.get("repairs"),
                   rules=sum(f.get("rules", 0) for f in doc.get("families", [])))
        log("  reconcile %-40s pass %.3f s (flush→pass seen %.2f s, canary every 5 s)" % (row["what"], row["pass_s"],
                                                                                         row["flush_to_pass_s"]))
        return row

    def uninstall_after_kill(self):
        self.stop("meshbox", sig=signal.SIGKILL)
        t0 = time.monotonic()
        p = self.run(self.nsc, self.bin, "proxy", "uninstall", "--capture", self.args.capture, "--config",
                     self.meshbox_config())
        wall = time.monotonic() - t0
        left = self.run(self.nsc, "iptables-save", "-t", "nat").stdout.count("MESHBOX") + self.run(
            self.nsc, "nft", "list", "ruleset").stdout.count("table inet meshbox")
        log("  meshbox proxy uninstall (after kill -9): %.2f s wall, %d MESHBOX lines left" % (wall, left))
        return dict(what="meshbox proxy uninstall after kill -9 (wall, CLI start included)", wall_s=wall,
                    left=left, output=p.stdout.strip())

    # -------------------------------------------------------------- main
    def main(self):
        a = self.args
        sizes = [int(x) for x in a.services.split(",")]
        log("namespaces %s, %s; binary %s" % (self.nsc, self.nss, self.bin))
        self.setup_network()
        self.start_backends()
        self.start_meshbox()
        self.wait_pass(None)
        self.cli("apply", input_file=self.bench_yaml())
        self.register_instances()
        self.wait_vip(MB["a-echo"], 7)
        self.wait_vip(MB["zz-echo"], 7)
        for url in ("http://%s/" % MB["tcpweb"], "http://%s/" % MB["web"], "http://127.0.0.1:%d/" % GATEWAY_PORT,
                    "http://%s/" % DNAT_VIP, "http://%s/" % HAPROXY_VIP):
            self.wait_for(url, lambda url=url: self.run(self.nsc, "curl", "-sf", "-m", "3", "-o", "/dev/null", url,
                                                        check=False).returncode == 0, timeout=30, interval=0.5)
        reconcile, connect = [], []
        have = 0
        for n in sizes:
            want = n - 5  # the five bench services count
            reconcile.append(self.timed_apply("apply %d services to %d" % (want - have, n),
                                              self.filler_yaml(have, want)))
            have = want
            reconcile.append(self.restart("first pass after a start, %d services" % n))
            self.wait_vip(MB["zz-echo"], 7)
            if n == sizes[0] and not a.skip_traffic:
                log("L4 bulk (iperf3, %d s, one stream), %d rounds, at %d VIPs" % (a.duration, a.rounds, n))
                self.results["l4_bulk"] = self.l4_bulk()
                log("L4 short connections (wrk -c%d, Connection: close)" % a.conns)
                self.results["l4_short"] = self.l4_short()
                log("L7 (wrk -c%d), mesh VIP against the gateway" % a.conns)
                self.results["l7"] = self.l7()
            log("connect cost at %d VIPs" % n)
            connect += self.connect_cost("%d" % n)
            tracer = None
            if a.trace_changes and n == sizes[-1]:
                pid = str(self.procs["meshbox"].pid)
                argv = (["strace", "-f", "-ttt", "-e", "trace=execve,wait4,exit_group", "-p", pid, "-o",
                         os.path.join(self.out, "changes.strace")] if a.trace_changes == "strace" else
                        ["perf", "record", "-F", "1999", "-g", "-p", pid, "-o", os.path.join(self.out, "changes.perf")])
                tracer = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1)
            reconcile += self.one_changes(have, a.changes)
            if tracer:
                tracer.send_signal(signal.SIGINT)
                tracer.wait()
        reconcile.append(self.flush_repair())
        reconcile.append(self.uninstall_after_kill())
        self.results["reconcile"] = reconcile
        self.results["connect"] = connect
        self.results["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def report(res, args, meta):
    out = []
    p = out.append
    p("# proxy-netns-bench %s – %s" % (res["started"], res.get("finished", "?")))
    p("")
    for line in meta:
        p("- " + line)
    p("")
    p("Medians over rounds; CPU = utime+stime from /proc/<pid>/stat (the client's from its rusage), "
      "10 ms ticks. `path` = client + server + proxy processes: the kernel's TCP, veth, conntrack and NAT "
      "work done in their syscalls and the softirqs run on their behalf is counted there; ksoftirqd is shown apart.")

    def table(rows, keyfn, cols):
        groups = {}
        for r in rows:
            groups.setdefault(keyfn(r), []).append(r)
        p("| " + " | ".join(["target"] + [c[0] for c in cols]) + " |")
        p("|---" + "|---:" * len(cols) + "|")
        for key, rs in groups.items():
            cells = []
            for _, f, fmt in cols:
                v = median([f(r) for r in rs])
                cells.append("-" if v is None else fmt % v)
            p("| " + key + " | " + " | ".join(cells) + " |")
        return {k: rs for k, rs in groups.items()}

    if "l4_bulk" in res:
        p("")
        p("## L4 bulk (iperf3, one stream, %d s)" % args.duration)
        p("")
        g = table(res["l4_bulk"], lambda r: r["target"], [
            ("MiB/s", lambda r: r["mib_s"], "%.0f"),
            ("proxy CPU us/MiB", lambda r: r["proxy_us_per_mib"], "%.1f"),
            ("path CPU us/MiB", lambda r: r["path_us_per_mib"], "%.1f"),
            ("ksoftirqd us/MiB", lambda r: r["ksoftirqd_us_per_mib"], "%.1f"),
            ("foreign CPU %", lambda r: r["cpu"]["foreign_pct"], "%.0f")])
        ratios(p, g, "mib_s", "throughput", "dnat", "meshbox", "≥ 0.8")
        ratios(p, g, "proxy_us_per_mib", "proxy CPU per MiB", "haproxy", "meshbox", "≤ 1.2")
        ratios(p, g, "path_us_per_mib", "path CPU per MiB", "dnat", "meshbox", None)
        ratios(p, g, "path_us_per_mib", "path CPU per MiB", "haproxy", "meshbox", None)
    if "l4_short" in res:
        p("")
        p("## L4 short connections (wrk -c%d -H 'Connection: close', 64 B responses, a TCP VIP port)" % args.conns)
        p("")
        g = table(res["l4_short"], lambda r: r["target"], [
            ("conn/s", lambda r: r["rps"], "%.0f"),
            ("p50 us", lambda r: r["p50_us"], "%.0f"),
            ("p99 us", lambda r: r["p99_us"], "%.0f"),
            ("proxy CPU us/conn", lambda r: r["proxy_us_per_req"], "%.1f"),
            ("path CPU us/conn", lambda r: r["path_us_per_req"], "%.1f"),
            ("errors", lambda r: r["errors"], "%d"),
            ("foreign CPU %", lambda r: r["cpu"]["foreign_pct"], "%.0f")])
        ratios(p, g, "rps", "connections/s", "dnat", "meshbox", None)
        ratios(p, g, "proxy_us_per_req", "proxy CPU per connection", "haproxy", "meshbox", None)
    if "l7" in res:
        p("")
        p("## L7 (wrk -c%d, 64 B responses): meshbox CPU per request, mesh VIP against the gateway" % args.conns)
        p("")
        g = table(res["l7"], lambda r: "%s, %s" % (r["scenario"], r["target"]), [
            ("req/s", lambda r: r["rps"], "%.0f"),
            ("p50 us", lambda r: r["p50_us"], "%.0f"),
            ("p99 us", lambda r: r["p99_us"], "%.0f"),
            ("meshbox CPU us/req", lambda r: r["proxy_us_per_req"], "%.1f"),
            ("errors", lambda r: r["errors"], "%d"),
            ("foreign CPU %", lambda r: r["cpu"]["foreign_pct"], "%.0f")])
        for sc in ("keep-alive", "close"):
            ratios(p, g, "proxy_us_per_req", "meshbox CPU per request (%s)" % sc, sc + ", gateway",
                   sc + ", mesh VIP", None)
    if "reconcile" in res:
        p("")
        p("## Capture reconcile (%s, IPv4 and IPv6 in one pass unless --no-ipv6)" % args.capture)
        p("")
        p("| pass | duration (status) | other | rules after |")
        p("|---|---:|---|---:|")
        groups = {}
        for r in res["reconcile"]:
            groups.setdefault(r["what"], []).append(r)
        for what, rs in groups.items():
            d = median([r.get("pass_s") for r in rs])
            other = []
            for k in ("apply_s", "apply_to_pass_s", "stop_s", "start_to_pass_s", "flush_to_pass_s", "wall_s"):
                v = median([r.get(k) for r in rs])
                if v is not None:
                    other.append("%s %.2f s" % (k, v))
            passes = [r.get("passes") for r in rs if r.get("passes") not in (None, 1)]
            if passes:
                other.append("passes seen %s (duration of the last)" % passes)
            if len(rs) > 1:
                other.append("n=%d, min %.3f max %.3f" % (len(rs), min(r["pass_s"] for r in rs),
                                                         max(r["pass_s"] for r in rs)))
            rules = median([r.get("rules") for r in rs])
            p("| %s | %s | %s | %s |" % (what, "-" if d is None else "%.3f s" % d, ", ".join(other),
                                         "-" if rules is None else "%d" % rules))
    if "connect" in res:
        p("")
        p("## Connect cost (connect + 1-byte echo + close, python client, %d per round)" % args.connects)
        p("")
        table(res["connect"], lambda r: "%s VIPs, %s%s" % (r["vips"], r["target"],
                                                            " (jump %d of %d)" % tuple(r["position"])
                                                            if r.get("position") and r["position"][0] else ""), [
            ("p50 us", lambda r: r["p50"], "%.0f"),
            ("p90 us", lambda r: r["p90"], "%.0f"),
            ("p99 us", lambda r: r["p99"], "%.0f"),
            ("proxy CPU us/conn", lambda r: r["proxy_us_per_conn"], "%.1f"),
            ("foreign CPU %", lambda r: r["cpu"]["foreign_pct"], "%.0f")])
    return "\n".join(out) + "\n"


def ratios(p, groups, field, label, base, target, goal):
    b = groups.get(base)
    t = groups.get(target)
    if not b or not t:
        return
    per_round = []
    for r in t:
        same = [x for x in b if x["round"] == r["round"]]
        if same and same[0][field]:
            per_round.append(r[field] / same[0][field])
    m = median(per_round)
    if m is not None:
        p("")
        p("- %s, %s ÷ %s: **%.2f×** (median of per-round ratios %s)%s"
          % (label, target, base, m, ", ".join("%.2f" % x for x in per_round),
             "; target %s" % goal if goal else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.environ.get("MESHBOX_BIN", os.path.join(ROOT, ".build-release/release/meshbox")))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5, help="seconds per iperf3/wrk run")
    ap.add_argument("--conns", type=int, default=32, help="wrk connections")
    ap.add_argument("--connects", type=int, default=2000, help="connections per connect-cost run")
    ap.add_argument("--changes", type=int, default=5, help="one-service changes measured at each size")
    ap.add_argument("--services", default="1000,10000", help="service counts, ascending")
    ap.add_argument("--skip-traffic", action="store_true", help="reconcile and connect cost only (no L4/L7 runs)")
    ap.add_argument("--trace-changes", choices=("strace", "perf"),
                    help="strace meshbox's execs, or perf record it, during the one-change passes at the largest size "
                         "(<out>/changes.strace or changes.perf)")
    ap.add_argument("--capture", choices=("iptables", "nftables"), default="iptables", help="proxy.capture")
    ap.add_argument("--no-ipv6", action="store_true", help='serviceCIDRv6: "" (IPv4 table only)')
    ap.add_argument("--out", help="results directory (default /tmp/proxy-netns-bench-<time>)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, configs)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces, iptables)")
    for tool in ("ip", "iptables-restore", "iptables-save", "iperf3", "wrk", "nginx", "haproxy"):
        if not shutil.which(tool, path=PATH_ENV["PATH"]):
            sys.exit("needs %s (apt-get install iperf3 wrk nginx-light haproxy iptables)" % tool)
    if not os.access(args.binary, os.X_OK):
        sys.exit("no meshbox binary at %s (bash scripts/build-release.sh, or MESHBOX_BIN)" % args.binary)

    bench = Bench(args)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    rc = 0
    try:
        bench.main()
    except (Failure, KeyboardInterrupt, subprocess.TimeoutExpired) as e:
        log("FAILED: %s" % e)
        rc = 1
    finally:
        bench.cleanup()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    meta = [
        "command: %s" % " ".join([os.path.relpath(sys.argv[0], ROOT) if sys.argv[0].startswith(ROOT) else sys.argv[0]]
                                   + sys.argv[1:]),
        "binary: %s (%s), repo HEAD at run time %s" % (args.binary, time.strftime("%Y-%m-%d %H:%M UTC",
                                                                      time.gmtime(os.path.getmtime(args.binary))), commit),
        "host: %s, %d CPUs, load average %s at the end" % (os.uname().release, os.cpu_count(),
                                                           " ".join(open("/proc/loadavg").read().split()[:3])),
        "tools: %s; %s; %s" % (
            subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout.splitlines()[0],
            subprocess.run(["iperf3", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
            subprocess.run(["iptables", "-V"], capture_output=True, text=True, env=PATH_ENV).stdout.strip()),
    ]
    text = report(bench.results, args, meta)
    with open(os.path.join(bench.out, "raw.json"), "w") as f:
        json.dump(bench.results, f, indent=1)
    with open(os.path.join(bench.out, "report.md"), "w") as f:
        f.write(text)
    print(text)
    log("results in %s" % bench.out)
    sys.exit(rc)


if __name__ == "__main__":
    main()
