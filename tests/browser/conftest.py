"""A live pb server (migrated SQLite, demo seeded, CSRF on; PostgreSQL too where a module asks)
and Debian's Chromium driven by Playwright. Outside CI a missing Chromium skips these tests with the reason; in CI it fails."""
from __future__ import annotations

import os
import shutil
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from tests.conftest import PG_URL, POSTGRES, TEST_SECRET, _pg_database_url

CHROMIUM = os.environ.get("PB_CHROMIUM", "/usr/bin/chromium")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def _chromium_missing_reason():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"test extras missing ({exc.name}): pip install -e '.[test]'"
    return None


def _require_chromium() -> None:
    reason = _chromium_missing_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)


def _serve(url: str, base: Path):
    """The database at url built by the migrations, as in production, with the demo seeded, served
    on a free port in a thread."""
    from flask_migrate import upgrade

    from pb import create_app
    from pb.demo import seed

    app = create_app({"SECRET_KEY": TEST_SECRET, "INSTANCE_PATH": str(base), "SQLALCHEMY_DATABASE_URI": url,
                      "TESTING": True,
                      # Every browser test signs in from 127.0.0.1: as one crowded address, they would
                      # meet the sign-in limit (tests/test_ratelimits.py checks the limits themselves).
                      "PB_RATE_LIMITS": "0"})
    with app.app_context():
        upgrade()
        seed(echo=lambda *a, **k: None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    return server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    _require_chromium()
    base = tmp_path_factory.mktemp("live")
    server = _serve(f"sqlite:///{base / 'pb.sqlite3'}", base)
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def postgres_live_server(tmp_path_factory):
    """The same demo on PostgreSQL, for the journeys a module runs on both engines (see
    test_plans_browser.py): built only when such a module asks for it."""
    _require_chromium()
    if not POSTGRES:
        pytest.skip("PostgreSQL is not reachable")
    name = "pbt_live_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database: commits need not wait for the disk (seeding the demo is many of them).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    server = _serve(_pg_database_url(name), tmp_path_factory.mktemp("live-pg"))
    yield server
    server.shutdown()
    with server.app.app_context():
        from pb.extensions import db

        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    _require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def page(request, browser, live_server):
    context = browser.new_context(java_script_enabled=request.param, base_url=live_server.url)
    tab = context.new_page()
    tab.javascript = request.param
    yield tab
    context.close()


@pytest.fixture
def js_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    yield tab
    context.close()


PHONE_WIDTH = 320
# What is wider than the screen, outside the regions meant to scroll sideways: named when a page fails.
TOO_WIDE = """() => { const w = window.innerWidth; const out = [];
  for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
    if (r.right > w + 0.5 && !el.closest('.table-wrap, pre')) out.push(el.tagName.toLowerCase() +
      (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' to ' + Math.round(r.right) + 'px'); }
  return {width: document.documentElement.scrollWidth, inner: w, wide: out.slice(0, 5)}; }"""


class Accessibility:
    """Runs axe-core on the page and fails on any WCAG 2.2 A or AA violation. axe needs script,
    so on a no-JavaScript page the same HTML is checked in a scripted twin page. Every page checked
    is also measured at 320px wide: nothing on it may need scrolling sideways."""

    def __init__(self, browser):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.browser = browser
        self.checked = []
        self.twin, self.twin_origin = None, None

    def close(self):
        if self.twin is not None:
            self.twin.context.close()

    def _twin_page(self, origin: str):
        """One scripted page per test, kept on the server's origin, so the page's stylesheet loads and
        colour contrast is checked (a new browser context per check cost more than the check)."""
        if self.twin is None:
            self.twin = self.browser.new_context().new_page()
        if self.twin_origin != origin:
            self.twin.goto(origin + "/healthz")
            self.twin_origin = origin
        return self.twin

    def check(self, page):
        target = page
        if not getattr(page, "javascript", True):
            target = self._twin_page("/".join(page.url.split("/", 3)[:3]))
            target.set_content(page.content(), wait_until="load")
        else:
            # A heading can be on screen before the stylesheet has loaded: axe would then measure an
            # unstyled page (tiny targets, default colours) and fail it for what no one sees.
            target.wait_for_load_state("load")
        results = self.axe.run(target, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        width = self.measure_at_phone_width(target)
        violations = results.response["violations"]
        self.checked.append(page.url)
        assert violations == [], f"axe found on {page.url}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations)
        assert width["width"] <= width["inner"], (
            f"{page.url} scrolls sideways at {PHONE_WIDTH}px: {width['width']}px wide, because of {width['wide']}")

    @staticmethod
    def measure_at_phone_width(target):
        """The page's width with the window 320px wide (then put back as it was)."""
        size = target.viewport_size or {"width": 1280, "height": 720}
        if size["width"] != PHONE_WIDTH:
            target.set_viewport_size({"width": PHONE_WIDTH, "height": size["height"]})
        target.wait_for_function(f"window.innerWidth === {PHONE_WIDTH}")
        width = target.evaluate(TOO_WIDE)
        if size["width"] != PHONE_WIDTH:
            target.set_viewport_size(size)
        return width


@pytest.fixture
def a11y(browser):
    checker = Accessibility(browser)
    yield checker
    checker.close()
