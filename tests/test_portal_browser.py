"""Both user paths in a real browser (headless Chromium + chromedriver) against the portal served by uvicorn."""
from __future__ import annotations

import io
import shutil
import socket
import threading
import time

import pytest
from portal_fixtures import Portal

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("portal-browser")]
CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import uvicorn
    portal = Portal(tmp_path_factory.mktemp("portal-browser") / "data")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(portal.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    yield portal, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    if not shutil.which(DRIVER) and not shutil.os.path.exists(DRIVER):
        pytest.fail("chromedriver is missing: install Debian's chromium and chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2000",
                f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads")})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


def sign_in(driver, base, portal, username, purpose):
    import pyotp
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    driver.delete_all_cookies()
    driver.get(base + "/signin")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(portal.seeded.passwords[username])
    if username in portal.seeded.totp:
        driver.find_element(By.ID, "totp").send_keys(pyotp.TOTP(portal.seeded.totp[username]).now())
    submit(driver, "signin")
    Select(driver.find_element(By.ID, "purpose")).select_by_value(purpose)
    submit(driver, "declare")
    assert "signout" in driver.page_source


def submit(driver, element_id: str) -> None:
    """Click a form button and wait for the next page (builds can take a while on a busy machine)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, element_id).click()

    def replaced(d) -> bool:
        try:
            page.is_enabled()  # raises once the old document is gone
            return False
        except WebDriverException:
            return d.execute_script("return document.readyState") == "complete"
    WebDriverWait(driver, 180, ignored_exceptions=(WebDriverException,)).until(replaced)


def shoot(driver, name: str) -> None:
    """Screenshots for the README when ANDANH_SCREENSHOTS names a folder (``docs/portal``)."""
    import os
    from pathlib import Path
    folder = os.environ.get("ANDANH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def not_blank(png: bytes) -> int:
    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    return len(colours)


def test_analyst_path_sign_in_find_chart_query(served, browser):
    from selenium.webdriver.common.by import By
    portal, base = served
    sign_in(browser, base, portal, "analyst", "policy_formulation")
    browser.get(base + "/catalog")
    browser.find_element(By.CSS_SELECTOR, "a.dataset-link").click()
    image = browser.find_element(By.ID, "chart-month")
    for _ in range(100):
        if browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image):
            break
        time.sleep(0.1)
    assert browser.execute_script("return arguments[0].naturalWidth", image) > 100
    assert not_blank(image.screenshot_as_png) > 20  # bars, axes and labels, not one flat colour
    shoot(browser, "analyst-dataset")
    browser.get(base + "/query")
    submit(browser, "run")
    assert "2024-01" in browser.find_element(By.ID, "result").text
    shoot(browser, "analyst-query")
    assert "3" in browser.find_element(By.ID, "rowcount").text
    assert portal.audit_entries(action="query.run", actor="analyst", outcome="ok")


def test_researcher_path_request_approvals_release_download_decrypt(served, browser, tmp_path):
    import tarfile

    import pyarrow.parquet as pq
    import pyrage
    from selenium.webdriver.common.by import By
    portal, base = served
    sign_in(browser, base, portal, "researcher", "scientific_research")
    browser.get(base + "/requests")
    browser.find_element(By.ID, "qi").clear()
    browser.find_element(By.ID, "qi").send_keys("NHOM_TUOI:age:band5, GIOI_TINH, MATINH_2025:geography:province")
    browser.find_element(By.ID, "variables").clear()
    browser.find_element(By.ID, "variables").send_keys("PERSON_ID, T_TONGCHI_BV")
    submit(browser, "create-request")
    request_url = browser.current_url
    submit(browser, "action-submit")
    assert browser.find_element(By.ID, "state").text == "submitted"
    for custodian in ("custodian1", "custodian2"):
        sign_in(browser, base, portal, custodian, "policy_formulation")
        browser.get(request_url)
        submit(browser, "action-approve")
    assert browser.find_element(By.ID, "state").text == "built", browser.find_element(By.ID, "output-check").text
    submit(browser, "action-release")
    assert browser.find_element(By.ID, "state").text == "released"
    shoot(browser, "custodian-released")
    sign_in(browser, base, portal, "researcher", "scientific_research")
    browser.get(request_url)
    submit(browser, "make-link")
    href = browser.find_element(By.ID, "download-link").get_attribute("href")
    browser.find_element(By.ID, "download-link").click()
    downloads = tmp_path / "downloads"
    for _ in range(100):
        done = [p for p in downloads.glob("*.age")] if downloads.exists() else []
        if done:
            break
        time.sleep(0.1)
    assert done, "the browser did not save the encrypted extract"
    identity = pyrage.x25519.Identity.from_str(portal.seeded.researcher_identity)
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(done[0].read_bytes(), [identity]))) as tar:
        table = pq.read_table(io.BytesIO(tar.extractfile("extract.parquet").read()))
    assert table.num_rows > 0 and "PERSON_ID" in table.column_names
    browser.get(href)  # the single-use link again: refused
    assert "link_used" in browser.page_source
    browser.get(request_url)
    assert browser.find_element(By.ID, "state").text == "downloaded"
