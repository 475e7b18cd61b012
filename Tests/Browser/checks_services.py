"""Browser checks of the Services page: a service's VIP and instances arriving live, a
ServiceEntry host's allocated VIP, the node proxy's capture state (the proxy runs with
`capture: none`) and capture.js's decisions case by case, and 1,000 services paging fast."""

from selenium.webdriver.common.by import By

from harness import Failure, step

SERVICE_ENTRY = """apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external-api, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
"""

def check_services(page, meshbox):
    driver = page.driver
    step("services: the registered service with its VIP, then a new instance arrives live")
    page.go("#/services")
    row = "tr[data-service='default/reviews']"
    page.text_in(row + " td.vips", "10.96.0.20 fixed")
    page.text_in(row, "1/1")
    page.text_in("#services-live", "live")
    meshbox.cli("register", "--service", "reviews", "--address", "127.0.0.2", "--port", "http:9080",
                "--label", "version=v2")
    page.text_in(row, "2/2")
    page.find(row + " button[aria-expanded]").click()
    page.find("tr[data-instance*='127.0.0.2']")
    page.shot("services")
    driver.set_window_size(820, 1100)
    page.shot("services-tablet")
    driver.set_window_size(1366, 900)


def check_service_entry_vips(page, meshbox):
    step("services: a ServiceEntry host gets an allocated VIP, shown live")
    page.go("#/services")
    page.find("tr[data-service='default/reviews']")
    meshbox.api("POST", "/api/v1/apply", SERVICE_ENTRY, "application/yaml")
    host = "#serviceentry-hosts tr[data-host='api.example.com']"
    page.text_in(host, "allocated")
    page.text_in(host, "240.240.")
    page.text_in(host, "default/external-api")
    # The proxy runs with `capture: none`: it says so, and no VIP is captured.
    page.text_in("#services-capture", "capture off")
    page.text_in(host + " .capture", "not captured")
    page.shot("services-entries")


CAPTURE_CASES = [  # capture.js: [range, address, inside]
    ["240.240.0.0/16", "240.240.3.7", True], ["240.240.0.0/16", "240.241.0.1", False],
    ["240.240.0.0/16", "10.96.0.20", False], ["2001:2::/48", "2001:2::4b1c:9e20:7d3a:61f2", True],
    ["2001:2::/48", "2001:2:1::1", False], ["240.240.0.0/16", "2001:2::1", False], ["2001:2::/48", "not-an-ip", False],
]


def check_capture_logic(page):
    """capture.js decides "captured" where the page cannot show it without host rules: ranges of
    both families, and a VIP left out by the proxy (its problem) or in a family not installed."""
    step("capture.js: VIP ranges and per-VIP capture, case by case")
    results = page.driver.execute_async_script("""
        const [cases, done] = arguments;
        import('/ui/js/capture.js').then(({ inRange, CaptureState }) => {
          const state = new CaptureState({ capture: 'iptables', problems: ['default/b: port 53 is UDP only'],
            families: [{ family: 'ipv4', range: '240.240.0.0/16', installed: true, rules: 9, vips: 2 },
                       { family: 'ipv6', range: '2001:2::/48', installed: false, rules: 0, vips: 2 }] });
          done({ ranges: cases.map(([range, address]) => inRange(range, address)),
                 vips: [state.of('240.240.0.1', 'default/a'), state.of('240.240.0.2', 'default/b'),
                        state.of('2001:2::1', 'default/a'), state.of('10.0.0.1', 'default/a')] });
        }).catch((error) => done(String(error)));
    """, CAPTURE_CASES)
    if not isinstance(results, dict):
        raise Failure(f"capture.js did not load: {results}")
    wrong = [f"{c[0]} ∋ {c[1]}: {got}" for c, got in zip(CAPTURE_CASES, results["ranges"]) if got != c[2]]
    expected = [(True, "captured (iptables)"), (False, "port 53 is UDP only"),
                (False, "the ipv6 rules are not installed"), (False, "outside the captured VIP ranges")]
    wrong += [f"VIP {i}: {got}" for i, (got, want) in enumerate(zip(results["vips"], expected))
              if (got["captured"], got["text"]) != want]
    if wrong:
        raise Failure("capture.js: " + "; ".join(wrong))


def check_many_services(page, meshbox):
    driver = page.driver
    step("services: 1,000 services render their first page fast")
    documents = "\n---\n".join(
        f"apiVersion: meshbox.io/v1\nkind: Service\nmetadata:\n  name: svc-{n:04d}\n  namespace: load\n"
        f"spec:\n  vip: 10.97.{n // 250}.{n % 250 + 1}\n  ports:\n  - name: http\n    number: 8080\n    protocol: HTTP"
        for n in range(1000))
    meshbox.api("POST", "/api/v1/apply", documents, "application/yaml")
    page.go("#/overview")
    page.find("#overview-roles")
    started = driver.execute_script("return performance.now()")
    page.go("#/services")
    page.text_in("#services-summary", "1002 services", timeout=20)
    page.find("tr[data-service='load/svc-0097']")
    elapsed = driver.execute_script("return performance.now()") - started
    rows = len(driver.find_elements(By.CSS_SELECTOR, "#services-rows > tr"))
    step(f"1,002 services: first page of {rows} rows in {elapsed:.0f} ms")
    if rows > 101:
        raise Failure(f"{rows} rows rendered at once; the list should page")
    if elapsed > 3000:
        raise Failure(f"the services page took {elapsed:.0f} ms with 1,000 services")
    filter_box = page.find("#services-filter")
    filter_box.send_keys("svc-0999")
    page.text_in("#services-summary", "1 service of 1002")
