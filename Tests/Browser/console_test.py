#!/usr/bin/env python3
"""Browser test of the meshbox console: real headless Chromium (Selenium) against the real
`meshbox serve` binary on free ports with a temporary data dir.

It logs in, sees a service registered through the CLI with its VIP (and a second instance arrive
live) and a ServiceEntry host's allocated VIP, applies invalid YAML and finds the error at the
field's line, applies a valid change and sees the new revision, rolls it back, checks the
certificates page, sees a real Envoy connect on the Nodes page, checks Traffic and Explain (a
gateway request and a mesh request to a service name), and renders 1,000 services.
A screenshot of every page goes to --screenshots.

Every process it starts (meshbox, chromedriver and its browser) is stopped by PID, also when a
step fails or the time limit hits. Run it through scripts/browser-test.sh.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from harness import Console, Failure, Meshbox, start_browser, step, stop_browser
from checks_traffic import check_traffic_pages
from checks_live import check_live
from checks_nodes import check_nodes
from checks_services import check_capture_logic, check_many_services, check_service_entry_vips, check_services

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TIME_LIMIT = 150  # seconds for the whole run, start-up and clean-up included

INVALID_YAML = """apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: broken
  namespace: default
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
      weight: 100
    retries:
      attempts: three
"""
INVALID_PATH = "spec.http[0].retries.attempts"
INVALID_LINE = 15  # the line of `attempts: three` above


def run(binary, screenshots, directory, web_root):
    step("starting meshbox")
    meshbox = Meshbox(binary, directory, web_root)
    driver = None
    try:
        step(f"meshbox listens on {meshbox.url}; registering a service through the CLI")
        with open(os.path.join(ROOT, "etc/examples/service-reviews.yaml")) as handle:
            meshbox.api("POST", "/api/v1/apply", handle.read(), "application/yaml")
        with open(os.path.join(ROOT, "etc/examples/virtualservice-reviews.yaml")) as handle:
            meshbox.api("POST", "/api/v1/apply", handle.read(), "application/yaml")
        meshbox.cli("register", "--service", "reviews", "--address", "127.0.0.1", "--port", "http:9080",
                    "--label", "version=v1")
        # Nothing listens on port 1: its HTTP check fails, so the overview has something to show.
        meshbox.cli("register", "--service", "ratings", "--address", "127.0.0.1", "--port", "http:1",
                    "--http-check", "/healthz", "--interval", "1s", "--timeout", "1s")
        meshbox.cli("ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/default/sa/reviews",
                    "--cert-out", os.path.join(directory, "reviews.pem"),
                    "--key-out", os.path.join(directory, "reviews-key.pem"))

        step("starting headless Chromium")
        driver = start_browser(directory)
        page = Console(driver, meshbox.url, screenshots)
        run_pages(page, meshbox)
    except Exception:
        print("--- meshbox output ---\n" + meshbox.output(), file=sys.stderr)
        raise
    finally:
        if driver:
            stop_browser(driver)
        meshbox.stop()
        step("stopped meshbox and the browser")


def run_pages(page, meshbox):
    check_log_in(page, meshbox)
    check_overview(page, meshbox)
    check_services(page, meshbox)
    check_config_invalid(page, meshbox)
    check_yaml_locator(page, meshbox)
    check_capture_logic(page)
    before = check_config_change(page, meshbox)
    check_config_rollback(page, meshbox, before)
    check_service_entry_vips(page, meshbox)  # after the rollback check, which counts revisions
    check_certificates(page, meshbox)
    check_nodes(page, meshbox)  # before any Gateway: Envoy, a gateway node, then binds nothing
    check_traffic_pages(page, meshbox)
    check_live(page, meshbox)
    check_many_services(page, meshbox)
    check_log_out(page, meshbox)


def check_log_in(page, meshbox):
    driver = page.driver
    step("log in: a wrong token is refused, the admin token works")
    driver.get(meshbox.url + "/")
    token_input = page.find("#login-token")
    token_input.send_keys("not-the-token", Keys.ENTER)
    page.text_in("#login-error", "not the admin token")
    token_input.clear()
    token_input.send_keys(meshbox.token, Keys.ENTER)
    page.find("#nav a[data-page='services']")
    cookies = {cookie["name"]: cookie for cookie in driver.get_cookies()}
    session = cookies.get("meshbox_session")
    if not session or not session.get("httpOnly") or session.get("sameSite") != "Strict":
        raise Failure(f"session cookie attributes: {session}")
    if driver.execute_script("return document.cookie").find("meshbox_session") >= 0:
        raise Failure("the session cookie is readable from scripts")


def check_overview(page, meshbox):
    driver = page.driver
    step("overview: roles, version, revision, and the unhealthy instance")
    page.text_in("#overview-roles", "registry")
    page.text_in("#overview-revision", "revision 2")
    for _ in range(40):  # the failing check turns the instance critical within a few seconds
        if "ratings" in page.find("#attention").text:
            break
        time.sleep(0.25)
        driver.find_element(By.XPATH, "//button[text()='Refresh']").click()
    page.text_in("#attention", "ratings")
    page.text_in("#attention", "bookinfo-gateway")
    page.shot("overview")


def check_config_invalid(page, meshbox):
    step("config: invalid YAML shows its error at the field's line")
    page.go("#/config")
    page.find("button[data-kind='VirtualService']")
    page.shot("config")
    page.find("#new-yaml").click()
    page.set_editor(INVALID_YAML)
    page.find(f".editor .layer div.error[data-line='{INVALID_LINE}']")
    page.text_in(f".editor .layer div[data-line='{INVALID_LINE}'] .lens", INVALID_PATH)
    page.text_in(f".editor .gutter div.error[data-line='{INVALID_LINE}']", str(INVALID_LINE))
    page.text_in(f"#yaml-issues li[data-path='{INVALID_PATH}']", f"line {INVALID_LINE}")
    page.text_in("#editor-status", "nothing was written")
    page.shot("config-invalid")


def check_yaml_locator(page, meshbox):
    """The locator behind "the error at its field", on the shapes people write YAML in."""
    step("yaml-path.js: field paths to lines, case by case")
    with open(os.path.join(os.path.dirname(__file__), "yaml_path_cases.json")) as handle:
        cases = json.load(handle)
    results = page.driver.execute_async_script("""
        const [cases, done] = arguments;
        import('/ui/js/yaml-path.js')
          .then((module) => done(cases.map((c) => module.locateIssue(c.text, c.issue))))
          .catch((error) => done(String(error)));
    """, cases)
    if not isinstance(results, list):
        raise Failure(f"yaml-path.js did not load: {results}")
    wrong = [f"{case['name']}: line {got}, expected {case['line']}"
             for case, got in zip(cases, results) if got != case["line"]]
    if wrong:
        raise Failure("yaml-path.js: " + "; ".join(wrong))


def check_config_change(page, meshbox):
    step("config: a valid change, reviewed as a diff, applies as a new revision")
    before = meshbox.api("GET", "/api/v1/revision")["revision"]
    page.go("#/config/edit?from=VirtualService/default/reviews")
    page.text_in("h1", "Edit VirtualService default/reviews")
    area = page.find("#yaml-input")
    current = area.get_attribute("value")
    if "weight: 80" not in current:
        raise Failure(f"the editor does not hold the stored resource: {current}")
    page.set_editor(current.replace("weight: 80", "weight: 50").replace("weight: 20", "weight: 50"))
    page.text_in("#editor-status", "Valid")
    area.send_keys(Keys.CONTROL, Keys.ENTER)
    page.text_in("#review .diff .del", "weight: 80")
    page.text_in("#review .diff .add", "weight: 50")
    page.shot("config-diff")
    page.find("#apply").click()
    page.text_in("#applied h2", f"revision {before + 1}")
    if meshbox.api("GET", "/api/v1/revision")["revision"] != before + 1:
        raise Failure("the server's revision did not move by one")
    return before


def check_config_rollback(page, meshbox, before):
    step("config: history shows the change; roll it back with one click")
    page.find("#applied a").click()
    page.text_in("#history li:first-child", f"r{before + 1}")
    page.text_in("#history li:first-child", "current")
    page.find("#history li:first-child button[aria-expanded]").click()
    page.text_in("#history li:first-child .diff .add", "weight: 50")
    page.shot("config-history")
    page.find(f"button[data-rollback='{before}']").click()
    page.text_in("#history li:first-child", f"r{before + 2}")
    page.text_in("#current-yaml", "weight: 80")
    stored = meshbox.api("GET", "/api/v1/resources/VirtualService/default/reviews")
    weights = [d.get("weight") for d in stored["resource"]["spec"]["http"][1]["route"]]
    if weights != [80, 20] or stored["revision"] != before + 2:
        raise Failure(f"rollback did not restore the weights: {weights} at {stored['revision']}")


def check_certificates(page, meshbox):
    step("certificates: the root, the timeline and the issued certificate")
    page.go("#/certificates")
    page.text_in("#trust-domain", "cluster.local")
    page.find("#ca-certs tbody tr")
    page.find("svg.timeline rect.bar")
    page.text_in("#issued-rows", "spiffe://cluster.local/ns/default/sa/reviews")
    page.shot("certificates")


def check_log_out(page, meshbox):
    driver = page.driver
    step("keyboard: g c goes to Config, / focuses its filter; then log out")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys("g", "c")
    page.find("#config-filter")
    body.send_keys("/")
    page.wait(lambda d: d.switch_to.active_element.get_attribute("id") == "config-filter", "the filter to have focus")
    page.find("#logout").click()
    page.find("#login-token")
    if any(c["name"] == "meshbox_session" and c.get("value") for c in driver.get_cookies()):
        raise Failure("the session cookie survived logout")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/meshbox"))
    parser.add_argument("--screenshots", default=os.path.join(ROOT, ".build/browser-screenshots"))
    parser.add_argument("--web-root", help="serve the console's files from here (default: the copy in the binary)")
    arguments = parser.parse_args()

    def interrupted(signum, _frame):
        raise Failure(f"stopped by signal {signum} (time limit {TIME_LIMIT}s)")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGALRM, interrupted)
    signal.alarm(TIME_LIMIT)
    directory = tempfile.mkdtemp(prefix="meshbox-browser-")
    try:
        run(os.path.abspath(arguments.binary), os.path.abspath(arguments.screenshots), directory,
            arguments.web_root and os.path.abspath(arguments.web_root))
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        shutil.rmtree(directory, ignore_errors=True)
    step("browser test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
