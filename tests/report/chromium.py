"""Debian's headless Chromium, driven by Selenium through Debian's chromedriver: missing, it is
a failure that says how to install it, never a skipped check. Selenium Manager never runs (the
driver's path is given), and the flags keep Chromium off the network: on a closed network it
otherwise stalls on its background fetches."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = (
    "apt-get install -y chromium chromium-driver (Debian's packages; .ci/run installs them "
    "when missing)"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextmanager
def chromium(width: int = 1100, height: int = 1400) -> Iterator[webdriver.Chrome]:
    """One headless Chromium that records the page's console (``get_log("browser")``)."""
    for needed in (CHROMIUM, CHROMEDRIVER):
        if not needed.exists():
            pytest.fail(f"{needed} is not installed: {INSTALL}", pytrace=False)
    with tempfile.TemporaryDirectory(prefix="uccert-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()
