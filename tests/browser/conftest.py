"""Browser tests: Debian's Chromium driven by Playwright against the app served live
on a free port, on the test's own database with the demo district seeded.

Where Chromium or Playwright is missing the tests are skipped with the reason (pytest's
-ra summary shows it); RESERVE_FLOW_REQUIRE_BROWSER=1 (set in .ci/run) makes that an
error, so CI always runs them. Screenshots go to tests/browser/screenshots/ (ignored by git)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from reserve_flow.demo.district import seed_demo

CHROMIUM = os.environ.get("RESERVE_FLOW_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        return "axe-playwright-python (axe-core) is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    browser_items = [item for item in items if "browser" in item.keywords]
    if browser_items and os.environ.get("RESERVE_FLOW_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"RESERVE_FLOW_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=f"browser tests did not run: {reason}"))


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@dataclass(frozen=True)
class LiveDemo:
    url: str
    password: str
    accounts: dict[str, str]  # e-mail -> full name


@pytest.fixture
def live_demo(runtime, make_app) -> Iterator[LiveDemo]:
    """The demo district on this test's database, served by Werkzeug in a thread."""
    seed = seed_demo(runtime)
    app = make_app(runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveDemo(
            f"http://127.0.0.1:{server.server_port}",
            seed.password,
            {a.email: a.full_name for a in seed.accounts},
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save
