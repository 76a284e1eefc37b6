#!/usr/bin/env python3
"""First paint of bb-trace serve's chain page, measured in headless chromium.

  web_paint.py URL ROOT_ID RUNS

Opens URL/chain/ROOT_ID RUNS times in a fresh tab each and reads, from the
page's own Performance API, the time from the start of navigation to the
mark the page sets once the first timeline is drawn (bb-chain-painted, in
the frame after it is added to the document). The baseline, measured in the
same page between those runs: fetching the chain's JSON alone (the same
request the page makes), with no parsing beyond the response's text and no
drawing. Prints "median_page_ms median_fetch_ms events_shown".
"""

import statistics
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait


def main():
    url, root, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    profile = tempfile.TemporaryDirectory(prefix="bb-bench-web-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,900", f"--user-data-dir={profile.name}"):
        options.add_argument(flag)
    service = Service(executable_path="/usr/bin/chromedriver", port=0)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        page, fetches, shown = [], [], 0
        for _ in range(runs):
            driver.get(f"{url}/chain/{root}")
            WebDriverWait(driver, 60).until(lambda d: d.execute_script(
                "return performance.getEntriesByName('bb-chain-painted').length > 0"))
            page.append(driver.execute_script(
                "return performance.getEntriesByName('bb-chain-painted')[0].startTime"))
            shown = driver.execute_script("return document.querySelectorAll('#timeline .row').length")
            fetches.append(driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "const start = performance.now();"
                "fetch(window.bbChainUrl(arguments[0])).then(r => r.text())"
                ".then(() => done(performance.now() - start));", root))
        print(f"{statistics.median(page):.1f} {statistics.median(fetches):.1f} {shown}")
    finally:
        driver.quit()
        if service.process and service.process.poll() is None:
            service.process.kill()
        profile.cleanup()


if __name__ == "__main__":
    main()
