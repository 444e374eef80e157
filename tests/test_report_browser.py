"""A cell's report.html in headless Chromium: every figure renders and the console stays free of errors.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them where apt-get works)
and selenium (the ``[test]`` extra); skips with the reason otherwise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report.conftest import make_cells

from eisrecipe.report import load_cell
from eisrecipe.report.html import write_cell_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver") or shutil.which("chromium-driver")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)"),
    pytest.mark.skipif(DRIVER is None, reason="no chromedriver on PATH (Debian: apt-get install chromium-driver)"),
]


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    except Exception as exc:  # a broken local install must not fail the suite
        pytest.skip(f"chromium could not be started: {exc}")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def cells_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_cells(tmp_path_factory.mktemp("browser_cells"))


@pytest.mark.parametrize("name", ["pressureCell", "tempCell"])
def test_every_figure_renders_without_console_errors(browser, cells_dir: Path, tmp_path: Path, name: str) -> None:
    page = tmp_path / "report.html"
    write_cell_report(page, load_cell(cells_dir / name))
    browser.get(page.as_uri())
    browser.execute_script("return document.readyState")
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight,"
        " i.getBoundingClientRect().width]);"
    )
    assert len(images) == 6, images
    for alt, complete, width, height, box in images:
        assert complete and width > 0 and height > 0 and box > 0, f"figure not rendered: {alt}"
    svgs = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg')).map(s => s.getBoundingClientRect().width);"
    )
    assert all(w > 0 for w in svgs)
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors
    sections = browser.execute_script("return Array.from(document.querySelectorAll('section')).map(s => s.id);")
    assert sections[0] == "verdict" and "provenance" in sections
