#!/usr/bin/env python3
"""The web page of `bb-trace serve` in a real browser (Debian's chromium,
chromium-driver and python3-selenium), against the test Redis.

A chain and a hostile event are written into Redis in the Python tracker's
layout (plus bb-publish's summary hashes), a `bb-trace serve` of the test's
own runs on a loopback port the system picks, and headless chromium opens
the page: the events in time order, details on click and on Enter, re-root,
the hostile text shown as text. Screenshots of the timeline and the graph
go to the folder given with --out.

Exits 77 (skipped) without the test servers or the browser, unless CI=true,
where that is a failure. Every process it starts is stopped by pid, also
when a check fails.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

SKIPPED = 77
TTL = "3600"


def skip(reason):
    if os.environ.get("CI") == "true":
        print(f"FAIL: {reason} (CI=true)", file=sys.stderr)
        sys.exit(1)
    print(f"skipped: {reason}", file=sys.stderr)
    sys.exit(SKIPPED)


class Redis:
    """Just enough RESP to write and delete the test's keys."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.reader = self.sock.makefile("rb")
        self.keys = []

    def command(self, *args):
        out = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode() if isinstance(arg, str) else arg
            out.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _reply(self):
        line = self.reader.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind in (b"+", b":"):
            return rest
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.reader.read(n + 2)[:-2]
        if kind == b"*":
            return [self._reply() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def summary(self, event_id, event_type, timestamp, app="demo", host="host1"):
        key = f"bloodbank:event:{event_id}"
        self.command("HSET", key, "event_type", event_type, "timestamp", timestamp,
                     "source_host", host, "source_app", app, "source_type", "manual")
        self.command("EXPIRE", key, TTL)
        self.keys.append(key)

    def link(self, child, parents, metadata=None, created_at="2025-10-18T14:03:07.123456"):
        record = json.dumps({"parent_event_ids": parents, "created_at": created_at,
                             "metadata": metadata or {}}, separators=(",", ":"))
        key = f"bloodbank:correlation:forward:{child}"
        self.command("SETEX", key, TTL, record)
        self.keys.append(key)
        for parent in parents:
            reverse = f"bloodbank:correlation:reverse:{parent}"
            self.command("SADD", reverse, child)
            self.command("EXPIRE", reverse, TTL)
            self.keys.append(reverse)

    def cleanup(self):
        for key in self.keys:
            self.command("DEL", key)


def services_env(redis_host, redis_port, rabbit_url):
    """The test's Redis and broker, on the default exchange (no other test
    binds a queue there)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "REDIS_DB", "REDIS_PASSWORD", "HTTP_HOST", "HTTP_PORT",
                        "EXCHANGE_NAME")}
    env.update(REDIS_HOST=redis_host, REDIS_PORT=str(redis_port), RABBIT_URL=rabbit_url)
    return env


def start_serve(binary, env):
    # --follow: the page is live from the start.
    process = subprocess.Popen([binary, "serve", "--http-port", "0", "--follow"], env=env,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               cwd=tempfile.gettempdir())
    marker = "the web page: "
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        if marker in line:
            return process, line.split(marker, 1)[1].strip().rstrip("/")
    stop(process)
    raise RuntimeError("bb-trace serve did not print its page's address")


def publish(binary, env, envelope):
    """bb-publish one envelope (with tracking: its records go to Redis)."""
    done = subprocess.run([binary], input=json.dumps(envelope) + "\n", env=env, text=True,
                          capture_output=True, timeout=60, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        raise RuntimeError(f"bb-publish exited {done.returncode}: {done.stderr}")


def stop(process):
    if process and process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, condition, message):
        if not condition:
            self.failures += 1
            print(f"FAIL: {message}", file=sys.stderr)
        return condition


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="folder of the built binaries")
    parser.add_argument("--out", required=True, help="where the screenshots go")
    args = parser.parse_args()

    redis_host = os.environ.get("BB_TEST_REDIS_HOST")
    redis_port = os.environ.get("BB_TEST_REDIS_PORT")
    rabbit_url = os.environ.get("BB_TEST_RABBIT_URL")
    if not redis_host or not redis_port or not rabbit_url:
        skip("BB_TEST_REDIS_HOST/BB_TEST_REDIS_PORT/BB_TEST_RABBIT_URL are not set: run the "
             "tests through scripts/test.sh, which starts the services")
    try:
        from selenium import webdriver
        from selenium.common.exceptions import NoAlertPresentException
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        skip("python3-selenium is not installed (scripts/setup.sh installs it)")
    if not os.path.exists("/usr/bin/chromium") or not os.path.exists("/usr/bin/chromedriver"):
        skip("chromium and chromium-driver are not installed (scripts/setup.sh installs them)")

    redis = Redis(redis_host, int(redis_port))
    checks = Checks()
    serve = driver = service = None
    profile = tempfile.TemporaryDirectory(prefix="bb-browser-")
    try:
        # The known chain: order -> payment -> receipt, order -> stock (a
        # link only, as the Python tracker writes it) -> receipt, payment ->
        # email.
        ids = {name: str(uuid.uuid4()) for name in
               ("order", "payment", "stock", "receipt", "email", "hostile", "stranger")}
        # A chain deeper than the page's first three levels: d0 -> ... -> d4.
        deep = [str(uuid.uuid4()) for _ in range(5)]
        for i, event_id in enumerate(deep):
            redis.summary(event_id, f"deep.step{i}", f"2025-10-18T15:00:0{i}+00:00")
            if i:
                redis.link(event_id, [deep[i - 1]], {}, f"2025-10-18T15:00:0{i}.100000")
        redis.summary(ids["order"], "shop.order.placed", "2025-10-18T14:00:00+00:00")
        redis.summary(ids["payment"], "shop.payment.captured", "2025-10-18T14:00:01.500000+00:00")
        redis.summary(ids["receipt"], "shop.receipt.sent", "2025-10-18T14:00:04+00:00")
        redis.summary(ids["email"], "shop.email.queued", "2025-10-18T14:00:05+00:00")
        redis.link(ids["payment"], [ids["order"]], {"reason": "payment for the order"},
                   "2025-10-18T14:00:01.600000")
        redis.link(ids["stock"], [ids["order"]], {}, "2025-10-18T14:00:02.000000")
        # A diamond: the receipt waits for the payment and the stock.
        redis.link(ids["receipt"], [ids["payment"], ids["stock"]], {}, "2025-10-18T14:00:04.100000")
        redis.link(ids["email"], [ids["payment"]], {}, "2025-10-18T14:00:05.100000")
        hostile_type = "<script>window.__pwned=1</script>"
        hostile_app = "\"><img src=x onerror=\"window.__pwned=2\">"
        redis.summary(ids["hostile"], hostile_type, "2025-10-18T14:00:06+00:00", app=hostile_app)
        # Apart from the chain, under a parent known only from its link.
        redis.link(ids["hostile"], [ids["stranger"]],
                   {"reason": "javascript:window.__pwned=3", "url": "javascript:alert(1)",
                    "html": "<img src=x onerror=alert(2)>"}, "2025-10-18T14:00:06.100000")

        env = services_env(redis_host, redis_port, rabbit_url)
        serve, url = start_serve(os.path.abspath(os.path.join(args.bin, "bb-trace")), env)

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1400,900",
                     f"--user-data-dir={profile.name}"):
            options.add_argument(flag)
        service = Service(executable_path="/usr/bin/chromedriver", port=0)
        driver = webdriver.Chrome(service=service, options=options)
        wait = WebDriverWait(driver, 15)

        def rows():
            return driver.find_elements(By.CSS_SELECTOR, "#timeline .row")

        def row_types():
            return [r.find_element(By.CSS_SELECTOR, ".type").text for r in rows()]

        def details_title():
            titles = driver.find_elements(By.CSS_SELECTOR, "#details h2")
            return titles[0].text if titles else None

        # The chain from the order down, in time order.
        driver.get(f"{url}/chain/{ids['order']}")
        wait.until(lambda d: len(rows()) >= 5)
        expected = ["shop.order.placed", "shop.payment.captured", "(no event record)",
                    "shop.receipt.sent", "shop.email.queued"]
        checks.check(row_types() == expected, f"timeline rows {row_types()} != {expected}")
        stock_row = driver.find_element(By.ID, f"row-{ids['stock']}")
        checks.check("link time" in stock_row.text,
                     f"the link-only event is not marked: {stock_row.text!r}")
        os.makedirs(args.out, exist_ok=True)
        driver.save_screenshot(os.path.join(args.out, "web-timeline.png"))

        # A click shows the event's details.
        driver.find_element(By.ID, f"row-{ids['receipt']}").click()
        wait.until(lambda d: details_title() == "shop.receipt.sent")
        pane = driver.find_element(By.ID, "details").text
        checks.check(ids["receipt"] in pane, "the details do not show the id")
        # Arrow keys and Enter: the row below the receipt is the email.
        timeline = driver.find_element(By.ID, "timeline")
        timeline.send_keys(Keys.ARROW_DOWN)
        timeline.send_keys(Keys.ENTER)
        wait.until(lambda d: details_title() == "shop.email.queued")

        # The graph view, for the picture.
        driver.find_element(By.ID, "show-graph").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#graph .node")) == 5)
        # The diamond's event is drawn once, with an edge from each parent.
        receipt_nodes = driver.find_elements(By.CSS_SELECTOR, f"#graph .node[data-id='{ids['receipt']}']")
        checks.check(len(receipt_nodes) == 1, "the diamond's event is not drawn once")
        edges = len(driver.find_elements(By.CSS_SELECTOR, "#graph .edge"))
        checks.check(edges == 5, f"{edges} edges in the graph, not 5")
        checks.check(not driver.find_element(By.ID, "timeline").is_displayed(),
                     "the timeline still shows in the graph view")
        driver.save_screenshot(os.path.join(args.out, "web-graph.png"))
        driver.find_element(By.ID, "show-timeline").click()

        # Re-root on the receipt: its chain, with the receipt as the focus.
        driver.find_element(By.ID, f"row-{ids['receipt']}").click()
        wait.until(lambda d: details_title() == "shop.receipt.sent")
        driver.find_element(By.CSS_SELECTOR, "#details a.reroot").click()
        wait.until(lambda d: d.current_url.endswith(f"/chain/{ids['receipt']}"))
        wait.until(lambda d: len(rows()) > 0)
        focus = driver.find_elements(By.CSS_SELECTOR, "#timeline .row.focus")
        checks.check(len(focus) == 1 and focus[0].get_attribute("data-id") == ids["receipt"],
                     "after re-root the receipt is not the focus")
        checks.check(ids["receipt"] in driver.find_element(By.ID, "title").text,
                     "the title does not name the new root")

        # A long chain opens with its first levels; a row loads more on demand.
        driver.get(f"{url}/chain/{deep[0]}")
        wait.until(lambda d: len(rows()) >= 4)
        checks.check(row_types() == [f"deep.step{i}" for i in range(4)],
                     f"first levels of the deep chain: {row_types()}")
        more = driver.find_element(By.ID, f"row-{deep[3]}").find_element(
            By.CSS_SELECTOR, "button.expand")
        checks.check(more.text == "+1 below", f"the expand button says {more.text!r}")
        more.click()
        wait.until(lambda d: len(rows()) == 5)
        checks.check(row_types() == [f"deep.step{i}" for i in range(5)],
                     f"after expanding: {row_types()}")

        # The hostile event: shown as text, runs nothing, adds no element.
        driver.get(f"{url}/chain/{ids['hostile']}")
        wait.until(lambda d: details_title() is not None and details_title() != "loading…")
        driver.find_element(By.ID, f"row-{ids['hostile']}").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#details pre.metadata"))
        try:
            alert = driver.switch_to.alert
            checks.check(False, f"an alert opened: {alert.text!r}")
            alert.dismiss()
        except NoAlertPresentException:
            pass
        checks.check(driver.execute_script("return window.__pwned === undefined"),
                     "hostile text ran as script")
        checks.check(driver.execute_script("return document.querySelectorAll('img').length") == 0,
                     "hostile text made an img element")
        checks.check(driver.execute_script("return document.scripts.length") == 1,
                     "hostile text made a script element")
        checks.check(driver.execute_script(
            "return document.querySelectorAll('a[href^=\"javascript:\"]').length") == 0,
            "hostile text made a javascript: link")
        hostile_row = driver.find_element(By.ID, f"row-{ids['hostile']}")
        checks.check(hostile_row.find_element(By.CSS_SELECTOR, ".type").text == hostile_type,
                     "the hostile type is not shown as text")
        checks.check(hostile_app in hostile_row.text, "the hostile app is not shown as text")
        checks.check(details_title() == hostile_type, "the details title is not the text")
        metadata = driver.find_element(By.CSS_SELECTOR, "#details pre.metadata").text
        checks.check("javascript:alert(1)" in metadata, "the metadata is not shown as text")

        # Live: a child and then a grandchild published with bb-publish while
        # the page is open appear on it, in the timeline and in the graph.
        live_root, live_child, live_grandchild = (str(uuid.uuid4()) for _ in range(3))
        redis.summary(live_root, "live.root", "2025-10-18T16:00:00+00:00")
        for event_id in (live_child, live_grandchild):
            for key in ("event", "correlation:forward"):
                redis.keys.append(f"bloodbank:{key}:{event_id}")
        for event_id in (live_root, live_child):
            redis.keys.append(f"bloodbank:correlation:reverse:{event_id}")
        driver.get(f"{url}/chain/{live_root}")
        wait.until(lambda d: len(rows()) == 1)
        live_wait = WebDriverWait(driver, 30)
        live_wait.until(lambda d: d.find_element(By.ID, "live-state").get_attribute("data-state")
                        == "on")
        checks.check(driver.find_element(By.ID, "live").is_selected(),
                     "the Live switch is off under --follow")
        bb_publish = os.path.abspath(os.path.join(args.bin, "bb-publish"))
        publish(bb_publish, env, {"event_id": live_child, "event_type": "live.child",
                                  "correlation_ids": [live_root], "payload": {"step": 1}})
        live_wait.until(lambda d: d.find_elements(By.ID, f"row-{live_child}"))
        publish(bb_publish, env, {"event_id": live_grandchild, "event_type": "live.grandchild",
                                  "correlation_ids": [live_child], "payload": {"step": 2}})
        live_wait.until(lambda d: d.find_elements(By.ID, f"row-{live_grandchild}"))
        checks.check(row_types()[-2:] == ["live.child", "live.grandchild"],
                     f"live rows: {row_types()}")
        driver.find_element(By.ID, "show-graph").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR,
                                             f"#graph .node[data-id='{live_grandchild}']"))
        edges = len(driver.find_elements(By.CSS_SELECTOR, "#graph .edge"))
        checks.check(edges == 2, f"{edges} edges in the live chain's graph, not 2")
        # Switched off, the page stops listening.
        driver.find_element(By.ID, "live").click()
        checks.check(driver.find_element(By.ID, "live-state").get_attribute("data-state") == "off",
                     "the live indicator is not off after the switch")
    except Exception:
        traceback.print_exc()
        checks.failures += 1
        if driver:
            # What the page said, for the failure's message.
            print(f"page at {driver.current_url}:\n{driver.find_element('tag name', 'body').text}",
                  file=sys.stderr)
            for entry in driver.get_log("browser"):
                print(f"browser: {entry['message']}", file=sys.stderr)
    finally:
        if driver:
            try:
                driver.quit()
            except Exception:
                traceback.print_exc()
        if service and service.process:
            stop(service.process)
        stop(serve)
        redis.cleanup()
        profile.cleanup()
    if checks.failures:
        print(f"{checks.failures} check(s) failed", file=sys.stderr)
        return 1
    print("browser checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
