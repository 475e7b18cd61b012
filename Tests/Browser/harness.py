"""What the browser test stands on: the meshbox process, the browser, and page waits that fail
with a readable message. Every process started here is stopped by PID."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


class Failure(Exception):
    pass


_taken_ports = set()


def free_port():
    """A port for a listener meshbox binds later (a Gateway server): from below the ephemeral
    range, as MeshTesting's FreePort does, so that no client's source port takes it first; checked
    bindable on 127.0.0.1 and handed out once."""
    import random
    import socket
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            upper = max(int(handle.read().split()[0]), 20000)
    except (OSError, ValueError, IndexError):
        upper = 32768
    for _ in range(200):
        port = random.randrange(10000, upper)
        if port in _taken_ports:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken_ports.add(port)
        return port
    raise Failure("no free port below the ephemeral range")


class Step:
    """Prints each step with its time, so a slow or failing one is easy to find."""

    def __init__(self):
        self.started = time.monotonic()

    def __call__(self, text):
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)


step = Step()


class Meshbox:
    """`meshbox serve` in a temp data dir, on a free port (port 0, read back from console.url),
    with the ADS server on another free loopback port (for the Nodes page), and the node proxy
    with `capture: none` (it changes nothing on the host; the Services page shows its state)."""

    def __init__(self, binary, directory, web_root=None):
        self.binary = binary
        self.data = os.path.join(directory, "data")
        os.makedirs(self.data)
        self.xds_port = free_port()
        config = os.path.join(directory, "meshbox.yaml")
        with open(config, "w") as handle:
            handle.write(f"xds:\n  enabled: true\n  listen: 127.0.0.1\n  port: {self.xds_port}\n"
                         f"proxy:\n  capture: none\n  outboundPort: {free_port()}\n  dns:\n    enabled: false\n")
        self.log = open(os.path.join(directory, "meshbox.log"), "wb")
        self.process = subprocess.Popen(
            [binary, "serve", "--data-dir", self.data, "--console-listen", "127.0.0.1:0",
             # The compiler runs with config and registry; the gateway serves the test's Gateways
             # on loopback only (Traffic, Explain and Live metrics read real snapshots).
             "--roles", "config,registry,ca,console,gateway,proxy", "--gateway-listen", "127.0.0.1",
             "--gateway-threads", "1", "--config", config] + (["--web-root", web_root] if web_root else []),
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.environment())
        deadline = time.monotonic() + 30
        url_file = os.path.join(self.data, "console.url")
        while not os.path.exists(url_file):
            if self.process.poll() is not None:
                raise Failure(f"meshbox exited with {self.process.returncode}: {self.output()}")
            if time.monotonic() > deadline:
                raise Failure("meshbox did not write console.url within 30s")
            time.sleep(0.05)
        with open(url_file) as handle:
            self.url = handle.read().strip()
        with open(os.path.join(self.data, "admin-token")) as handle:
            self.token = handle.read().strip()

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MESHBOX_", "NOTIFY_", "WATCHDOG_"))}
        env["MESHBOX_DATA_DIR"] = self.data
        return env

    def cli(self, *arguments):
        result = subprocess.run([self.binary, *arguments], capture_output=True, text=True, timeout=30,
                                env=self.environment(), stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise Failure(f"meshbox {' '.join(arguments)} failed: {result.stderr}")
        return result.stdout

    def api(self, method, path, body=None, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def output(self):
        self.log.flush()
        with open(self.log.name, "rb") as handle:
            return handle.read().decode(errors="replace")[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_browser(directory):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1366,900", "--force-device-scale-factor=1", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking", "--lang=en-US",
                     f"--user-data-dir={os.path.join(directory, 'chromium')}"):
        options.add_argument(argument)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver",
                      log_output=os.path.join(directory, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(20)
    return driver


def stop_browser(driver):
    pid = driver.service.process.pid if driver.service.process else None
    try:
        driver.quit()
    except Exception as error:  # the browser may be gone already
        print(f"driver.quit: {error}", file=sys.stderr)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Console:
    """The page, with waits that fail with a readable message."""

    def __init__(self, driver, url, screenshots):
        self.driver = driver
        self.url = url
        self.screenshots = screenshots

    def wait(self, condition, what, timeout=15):
        try:
            # A condition that reads an element the page has just redrawn sees it stale: that is
            # "not yet", tried again, not a failure.
            return WebDriverWait(
                self.driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
            ).until(condition)
        except Exception as error:
            self.shot("failure")
            raise Failure(f"timed out waiting for {what}") from error

    def find(self, css, timeout=15):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), css, timeout)

    def text_in(self, css, text, timeout=15):
        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), f"'{text}' in {css}", timeout)

    def go(self, route):
        self.driver.execute_script("location.hash = arguments[0]", route)

    def set_editor(self, text):
        area = self.find("#yaml-input")
        self.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", area, text)
        return area

    def shot(self, name):
        if not self.screenshots:
            return
        os.makedirs(self.screenshots, exist_ok=True)
        # Toasts are for people; in a picture of the page they only hide it.
        self.driver.execute_script("document.getElementById('toast').replaceChildren()")
        self.driver.save_screenshot(os.path.join(self.screenshots, f"console-{name}.png"))
