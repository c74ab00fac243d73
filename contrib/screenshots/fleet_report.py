"""Take the README's screenshot of `uccert report --html` on the demo lab.

    .venv/bin/python contrib/screenshots/fleet_report.py [OUT.png]

writes docs/img/fleet-report.png by default.

Starts the demo lab on loopback (instant clock), runs one `regen apply` on it so the report has
a run to link, writes the report, and photographs it in Debian's headless Chromium (packages
chromium and chromium-driver) through Selenium, with the driver's path given (Selenium Manager
never downloads anything) and Chromium's background fetches off. Needs the test extra.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from uccert.cli import main
from uccert.lab.servers.background import lab_in_background

REPO = Path(__file__).resolve().parents[2]
WIDTH, MAX_HEIGHT = 1040, 2400
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def smaller_png(data: bytes) -> bytes:
    """The same image, its pixel data deflated at level 9 in one IDAT chunk (Chromium's
    encoder favours speed; this keeps the README's image small without an image library)."""
    pos, head, pixels, tail = 8, b"", b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos : pos + 12 + length]
        if kind == b"IDAT":
            pixels += data[pos + 8 : pos + 8 + length]
        elif pixels:
            tail += chunk
        else:
            head += chunk
        pos += 12 + length
    packed = zlib.compress(zlib.decompress(pixels), 9)
    idat = struct.pack(">I", len(packed)) + b"IDAT" + packed
    idat += struct.pack(">I", zlib.crc32(b"IDAT" + packed))
    return data[:8] + head + idat + tail


def photograph(page: Path, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="uccert-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},900"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(page.as_uri())
            # the window's size is not the page's viewport: grow it by what is still hidden
            for _ in range(3):
                hidden = driver.execute_script(
                    "return document.documentElement.scrollHeight - window.innerHeight"
                )
                if int(hidden) <= 0:
                    break
                size = driver.get_window_size()
                driver.set_window_size(WIDTH, min(size["height"] + int(hidden), MAX_HEIGHT))
            out.write_bytes(smaller_png(driver.get_screenshot_as_png()))
        finally:
            driver.quit()


def shoot(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="uccert-shot-") as tmp:
        work = Path(tmp)
        os.environ["UCCERT_STATE_DIR"] = str(work / "runs")
        with lab_in_background(preset_name="demo", time_scale=0, state_dir=work / "lab") as lab:
            inventory = str(lab.inventory)
            argv = ["regen", "apply", "--units", "cup", "--nodes", "imp-pub", "--yes"]
            subprocess.run(
                [sys.executable, "-m", "uccert", *argv, "--inventory", inventory],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
            page = work / "fleet.html"
            if main(["report", "--html", str(page), "--inventory", inventory]) != 0:
                raise SystemExit("uccert report failed")
        photograph(page, out)
    print(f"{out}: {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    shoot(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "img" / "fleet-report.png")
