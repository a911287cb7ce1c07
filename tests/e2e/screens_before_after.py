"""BEFORE/AFTER screenshots for the issue 17 note (a helper run by hand, not a test: pytest does not collect it).

    .venv/bin/python tests/e2e/screens_before_after.py [before|after ...]

"before" is the code at 8d07c14 (before the fixes), extracted with `git archive` into /tmp/before17 and run with
PYTHONPATH pointing at it (it wins over the editable install; nothing is installed); "after" is this checkout. Each
runs on its own instance folder (SQLite file, keys), port and demo seed. For each: My orders, the result screen
after a payment, an expired hold (its deadline moved into the past in the database) and the hotel search at
360x740, saved to test-artifacts/issue17/before-after/<screen>-<before|after>.png.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv/bin/python"
OUT = ROOT / "test-artifacts/issue17/before-after"
BEFORE_COMMIT = "8d07c14"
PIXEL = {"width": 412, "height": 915}
CHEAP = {"width": 360, "height": 740}
PARTNER = "demo-redirect"
PIN = "123456"
VERSIONS = {"before": (Path("/tmp/before17"), 5171), "after": (ROOT, 5172)}


def extract_before(target: Path) -> None:
    if (target / "webview").is_dir():
        return
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", BEFORE_COMMIT], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    # compiled catalogs are build output (not in git): without them the old screens would all be English
    subprocess.run([str(ROOT / ".venv/bin/pybabel"), "-q", "compile", "-f", "-d", "webview/translations"], cwd=target,
                   check=True)


def environment(code: Path, instance: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "FLASK_APP"}}
    extra = os.environ.get("PYTHONPATH")  # the version's own code first, whatever the caller adds after it
    env.update({"PYTHONPATH": str(code) + (os.pathsep + extra if extra else ""), "INSTANCE_PATH": str(instance),
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "SANDBOX_ENABLED": "1", "JOBS_EMBEDDED_WORKER": "1", "APP_ENV": "development"})
    return env


def flask(code: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run([str(PYTHON), "-m", "flask", "--app", "wsgi", *args], cwd=code, env=env, check=True)


def start(code: Path, instance: Path, port: int) -> subprocess.Popen:
    env = environment(code, instance, port)
    flask(code, env, "db", "upgrade")
    flask(code, env, "demo", "seed")
    server = subprocess.Popen([str(PYTHON), "-m", "flask", "--app", "wsgi", "serve", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=code, env=env)
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/sandbox/", timeout=2).status_code < 500:
                return server
        except requests.RequestException:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError(f"the server on port {port} did not start")


def launch(base: str, user: str, product: str) -> str:
    answer = requests.post(f"{base}/sandbox/api/launch", timeout=30, json={
        "partner_code": PARTNER, "identify_code": user, "identify_phone": "0912345678",
        "identify_fullname": "Nguyễn Văn An", "email": f"{user}@example.com", "product": product, "layout": "dual",
        "locale": "vi"})
    answer.raise_for_status()
    return answer.json()["url_open"]


def fill_if_present(page: Page, name: str, value: str) -> None:
    field = page.locator(f'[name="{name}"]')
    if field.count() and field.first.is_visible():
        field.first.fill(value)


def hold_a_hotel(page: Page, base: str, user: str) -> str:
    """Launch, search hotels, first hotel, first room, travellers, review, hold: the held order's reference."""
    page.goto(launch(base, user, "hotel"))
    page.get_by_test_id("search-submit").click()
    page.get_by_test_id("select-offer").first.click()
    page.get_by_test_id("select-offer").first.click()
    form = page.get_by_test_id("traveller-form")
    form.wait_for()
    fill_if_present(page, "travellers-0-full_name", "Nguyễn Văn An")
    fill_if_present(page, "travellers-0-date_of_birth", "1990-05-17")
    gender = page.locator('[name="travellers-0-gender"][value="male"]')
    if gender.count():
        gender.check()
    fill_if_present(page, "travellers-0-document_number", "079090001234")
    fill_if_present(page, "contact_name", "Nguyễn Văn An")
    fill_if_present(page, "contact_email", "an@example.com")
    fill_if_present(page, "contact_phone", "0912 345 678")
    form.locator('button[type="submit"]').last.click()
    page.get_by_test_id("hold-submit").click()
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-booking-status", "BOOKED")
    return status.get_attribute("data-reference-transaction-id") or ""


def expire(instance: Path, reference: str) -> None:
    with sqlite3.connect(instance / "webview.db") as connection:
        connection.execute("UPDATE booking SET hold_expires_at = '2000-01-01 00:00:00.000000' WHERE reference = ?",
                           (reference,))


def shoot(page: Page, name: str, version: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}-{version}.png"), full_page=True, scale="css")


def capture(version: str) -> None:
    code, port = VERSIONS[version]
    if version == "before":
        extract_before(code)
        shutil.rmtree(code / "instance", ignore_errors=True)  # a fresh database and seed each run
    base = f"http://127.0.0.1:{port}"
    # the old code reads its instance folder from its own tree only (no INSTANCE_PATH in the environment)
    instance = code / "instance" if version == "before" else Path(tempfile.mkdtemp(prefix="issue17-after-"))
    server = start(code, instance, port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            phone = dict(playwright.devices["Pixel 7"])
            phone.pop("default_browser_type", None)
            context = browser.new_context(**{**phone, "viewport": PIXEL, "locale": "vi-VN"})
            context.set_default_timeout(20_000)
            page = context.new_page()
            paid = hold_a_hotel(page, base, f"ba-{version}-paid")
            page.goto(f"{base}/w/orders")
            shoot(page, "my-orders", version)
            page.goto(f"{base}/w/orders/{paid}")
            page.get_by_test_id("pay-button").click()
            page.get_by_test_id("sandbox-pin").fill(PIN)
            page.get_by_test_id("sandbox-approve").click()
            page.wait_for_url(re.compile(r"/w/result\?"))
            expect(page.get_by_test_id("order-status")).to_have_attribute("data-issue-status", "SUCCESS",
                                                                          timeout=40_000)
            shoot(page, "result", version)
            expired = hold_a_hotel(page, base, f"ba-{version}-expired")
            expire(instance, expired)
            page.goto(f"{base}/w/orders/{expired}")
            # the old code expires holds from its worker's periodic sweep only: give it up to two minutes
            for _ in range(40):
                if page.get_by_test_id("order-status").get_attribute("data-booking-status") == "EXPIRED":
                    break
                time.sleep(3)
                page.goto(f"{base}/w/orders/{expired}")
            shoot(page, "expired-hold", version)
            context.close()

            cheap = browser.new_context(**{**phone, "viewport": CHEAP, "screen": CHEAP, "locale": "vi-VN"})
            page = cheap.new_page()
            page.goto(launch(base, f"ba-{version}-cheap", "hotel"))
            page.get_by_test_id("search-form").wait_for()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"hotel-search-360-{version}.png"), full_page=False, scale="css")
            cheap.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for chosen in sys.argv[1:] or ["before", "after"]:
        capture(chosen)
        print(f"{chosen}: saved to {OUT}")
