"""Browser checks of the Traffic and Explain pages, against the real gateway's snapshot: the
test's VirtualService `reviews` (bound to `bookinfo-gateway`) gets that Gateway on a free port
and a DestinationRule with its subsets, then the pages must show and explain its routes."""

import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import Failure, free_port, step

HOST = "bookinfo.example.com"

RESOURCES = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: bookinfo-gateway, namespace: default}}
spec:
  selector: {{app: edge}}
  servers:
  - port: {{number: {port}, name: http, protocol: HTTP}}
    hosts: ["{host}"]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: reviews, namespace: default}}
spec:
  host: reviews
  subsets:
  - {{name: v1, labels: {{version: v1}}}}
  - {{name: v2, labels: {{version: v2}}}}
  - {{name: v3, labels: {{version: v3}}}}
"""


def gateway_port(meshbox):
    """The port of bookinfo-gateway's listener, applying the Gateway first if no check did."""
    existing = meshbox.api("GET", "/api/v1/resources?kind=Gateway")["items"]
    mine = [item for item in existing if item["resource"]["metadata"]["name"] == "bookinfo-gateway"]
    if mine:
        port = mine[0]["resource"]["spec"]["servers"][0]["port"]["number"]
        meshbox.api("POST", "/api/v1/apply", RESOURCES.format(port=port, host=HOST).split("---\n", 1)[1],
                    "application/yaml")
    else:
        port = free_port()
        meshbox.api("POST", "/api/v1/apply", RESOURCES.format(port=port, host=HOST), "application/yaml")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the compiler publishes within a moment
        traffic = meshbox.api("GET", f"/api/v1/traffic?host={HOST}")
        if any(group["port"] == port for group in traffic["routes"]):
            return port
        time.sleep(0.1)
    raise Failure(f"the snapshot never served {HOST} on port {port}")


def check_traffic(page, meshbox):
    step("traffic: the VirtualService's host, its routes in order and the 80/20 split")
    port = gateway_port(meshbox)
    page.go(f"#/traffic?host={HOST}")
    page.text_in("#traffic-routes", "default/reviews/jason")
    page.text_in("#traffic-routes", "header end-user = jason")
    rows = [row.get_attribute("data-route") for row in
            page.driver.find_elements(By.CSS_SELECTOR, "#traffic-routes tr[data-route]")]
    if rows != ["default/reviews/jason", "default/reviews/split"]:
        raise Failure(f"routes in the wrong order: {rows}")
    page.text_in("#traffic-routes tr[data-route='default/reviews/split']", "80%")
    page.text_in("#traffic-routes tr[data-route='default/reviews/split']", "20%")
    bands = page.driver.find_elements(By.CSS_SELECTOR, "#traffic-routes svg.splits path.band")
    if len(bands) != 3:
        raise Failure(f"the diagram should draw 3 bands (v2; v1 80%, v3 20%), drew {len(bands)}")
    page.text_in("#traffic-listeners", f"127.0.0.1:{port}")
    page.text_in("#traffic-hosts", HOST)
    page.shot("traffic")
    return port


def check_explain(page, meshbox, port):
    step("explain: from the route's Explain link, then a request typed into the form")
    page.find("#traffic-routes tr[data-route='default/reviews/jason'] a.button").click()
    page.text_in("#explain-route", "default/reviews/jason")
    page.text_in("#explain-verdict", f"Listener 127.0.0.1_{port}")
    page.text_in("#explain-destinations", "reviews.default v2")
    page.text_in("#explain-authorization", "allowed")

    headers = page.find("#explain-headers")
    headers.clear()
    path = page.find("#explain-path")
    path.clear()
    path.send_keys("/reviews/1", Keys.ENTER)
    page.text_in("#explain-route", "default/reviews/split")
    page.text_in("#explain-destinations", "80% of requests")
    page.text_in("#explain-destinations", "reviews.default v3")
    page.text_in("#explain-steps", "does not match: header end-user = jason")

    host = page.find("#explain-host")
    host.clear()
    host.send_keys("nowhere.example.com", Keys.ENTER)
    page.text_in("#explain-verdict", "no virtual host for host nowhere.example.com")
    host.clear()
    host.send_keys(HOST)
    headers.send_keys("end-user: jason")
    headers.send_keys(Keys.CONTROL, Keys.ENTER)
    page.text_in("#explain-route", "default/reviews/jason")
    page.shot("explain")
    page.driver.set_window_size(820, 1100)
    page.shot("explain-tablet")
    page.driver.set_window_size(1366, 900)


def check_explain_mesh(page, meshbox):
    """A program on a proxy host asks for reviews by name: the VirtualService is bound to `mesh`
    too, so the node proxy's listener for the VIP (10.96.0.20, fixed) and port routes it."""
    step("explain: a mesh route's Explain link on Traffic, then a mesh request typed into the form")
    mesh_host = "reviews.default.svc.cluster.local"
    page.go(f"#/traffic?host={mesh_host}")
    page.find("#traffic-routes tr[data-route='default/reviews/jason'] a.button").click()
    page.text_in("#explain-verdict", "Listener 10.96.0.20_9080")
    page.text_in("#explain-route", "default/reviews/jason")
    if page.find("#explain-via").get_attribute("value") != "mesh":
        raise Failure("the mesh route's Explain link did not open Explain for mesh traffic")
    page.go("#/explain")
    Select(page.find("#explain-via")).select_by_value("mesh")
    page.text_in("label[for='explain-port']", "Service port")
    host = page.find("#explain-host")
    host.clear()
    host.send_keys(mesh_host)
    port = page.find("#explain-port")
    port.clear()
    port.send_keys("9080")
    headers = page.find("#explain-headers")
    headers.clear()
    headers.send_keys("end-user: jason")
    headers.send_keys(Keys.CONTROL, Keys.ENTER)
    page.text_in("#explain-steps", "the node proxy captures the connection to 10.96.0.20:9080")
    page.text_in("#explain-verdict", "Listener 10.96.0.20_9080")
    page.text_in("#explain-route", "default/reviews/jason")
    page.text_in("#explain-result", "Path through the node proxy")
    page.text_in("#explain-destinations", "reviews.default v2")
    page.shot("explain-mesh")


def check_traffic_pages(page, meshbox):
    port = check_traffic(page, meshbox)
    check_explain(page, meshbox, port)
    check_explain_mesh(page, meshbox)
