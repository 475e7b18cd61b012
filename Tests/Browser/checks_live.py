"""Browser check of the Live metrics page and the Services page's traffic columns, with real
requests: a small Python HTTP backend on 127.0.0.1, registered through the CLI, behind a Gateway
and VirtualService of the test's own; traffic sent through the gateway's port must move the chart
(its newest requests/s above 0, its line redrawn) and show on the service's row. The check
removes what it added when it passes."""

import http.client
import http.server
import math
import random
import threading
import time

from selenium.webdriver.common.by import By

from harness import Failure, free_port, step

HOST = "live.example.com"
SERVICE = "live-backend"
RESOURCES = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: live-gateway, namespace: default}}
spec:
  servers:
  - port: {{number: {port}, name: http, protocol: HTTP}}
    hosts: ["{host}"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: live, namespace: default}}
spec:
  hosts: ["{host}"]
  gateways: ["live-gateway"]
  http:
  - route: [{{destination: {{host: {service}}}}}]
"""


class Backend(http.server.BaseHTTPRequestHandler):
    """200 after 1-25 ms; 500 for /fail."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, Nagle's algorithm holds the body
    # until the gateway's delayed ACK, and every request takes 40 ms more.
    disable_nagle_algorithm = True

    def do_GET(self):
        time.sleep(random.uniform(0.001, 0.025))
        status = 500 if self.path.startswith("/fail") else 200
        body = b"ok\n" if status == 200 else b"failed\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


class Load:
    """Requests through the gateway on one keep-alive connection, at a rate that swings
    between about 20 and 60 per second (one in twenty to /fail), until stopped."""

    def __init__(self, port):
        self.port = port
        self.sent = 0
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        connection = None
        started = time.monotonic()
        try:
            while not self.stopping.is_set():
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                path = "/fail" if self.sent % 20 == 19 else "/"
                connection.request("GET", path, headers={"Host": HOST})
                response = connection.getresponse()
                response.read()
                if response.will_close:
                    connection.close()
                    connection = None
                self.sent += 1
                rate = 40 + 20 * math.sin((time.monotonic() - started) * 2)
                self.stopping.wait(1 / rate)
        except Exception as error:  # reported by stop()
            self.error = error
        finally:
            if connection:
                connection.close()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        if self.error:
            raise Failure(f"sending traffic through the gateway failed after {self.sent} requests: {self.error}")


def serve_through_gateway(meshbox, backend_port):
    """Applies the Gateway and VirtualService, registers the backend; returns the gateway port
    once a request through it reaches the backend."""
    port = free_port()
    meshbox.api("POST", "/api/v1/apply", RESOURCES.format(port=port, host=HOST, service=SERVICE), "application/yaml")
    meshbox.cli("register", "--service", SERVICE, "--address", "127.0.0.1", "--port", f"http:{backend_port}")
    deadline = time.monotonic() + 10
    last = None
    while time.monotonic() < deadline:  # the compiler publishes and the gateway binds within a moment
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/", headers={"Host": HOST})
            last = connection.getresponse().status
            connection.close()
            if last == 200:
                return port
        except OSError as error:
            last = error
        time.sleep(0.1)
    raise Failure(f"the gateway on port {port} never served {HOST}: {last}")


def latest_rps(page):
    # Read in one script call: the chart redraws every second, and an element found first and
    # read after can be gone by then (a stale element, not a value).
    text = page.driver.execute_script(
        "const v = document.querySelector('#live-gateway-rps .chart-latest .value');"
        " return v ? v.getAttribute('data-value') : '';")
    return float(text) if text else 0.0


def check_live(page, meshbox):
    step("live metrics: traffic through the gateway moves the chart and the Services row")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    load = None
    try:
        port = serve_through_gateway(meshbox, server.server_address[1])
        page.go("#/live")
        page.text_in("#live-status", "live")
        line = page.find("#live-gateway-rps svg.chart path.line")
        page.wait(lambda d: line.get_attribute("d"), "the requests/s line to be drawn")
        before = line.get_attribute("d")

        load = Load(port)
        page.wait(lambda d: latest_rps(page) > 0, "the newest requests/s to go above 0", timeout=10)
        page.wait(lambda d: line.get_attribute("d") != before, "the requests/s line to change")
        host = f"{SERVICE}.default.svc.cluster.local"
        card = f"section.live-service[data-host='{host}']"
        page.text_in(card, f"default/{SERVICE}")
        page.wait(lambda d: d.find_element(By.CSS_SELECTOR, card + " dd[data-metric='rps']").text not in ("—", "0"),
                  "the service's requests/s")
        page.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#live-gateway-latency .chart-latest [data-key='p99']")
                  .get_attribute("data-value"), "a p99 latency")
        time.sleep(4)  # a few more seconds of traffic, for a picture with a shape
        page.shot("live")

        step("services: the service's row shows its live requests/s, 5xx and p99")
        page.go(f"#/services?q={SERVICE}")
        row = f"tr[data-service='default/{SERVICE}']"
        page.wait(lambda d: d.find_element(By.CSS_SELECTOR, row + " td[data-metric='rps']").text not in ("—", "0"),
                  "requests/s on the service's row", timeout=30)
        p99 = page.find(row + " td[data-metric='p99']").text
        if not p99.endswith("ms") and not p99.endswith(" s"):
            raise Failure(f"the p99 cell shows {p99!r}")
    finally:
        if load:
            load.stop()
        server.shutdown()
        server.server_close()
    # Leave the store as the other checks expect it (they count services).
    meshbox.cli("deregister", f"{SERVICE}.default-127.0.0.1:{server.server_address[1]}")
    for kind, name in (("VirtualService", "live"), ("Gateway", "live-gateway")):
        meshbox.api("DELETE", f"/api/v1/resources/{kind}/default/{name}")
