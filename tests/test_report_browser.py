"""A cell's report.html and the summary in headless Chromium: every figure renders, the console stays free of
errors, and no element overflows the page (wide tables scroll inside their wrapper).

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them where apt-get works)
and selenium (the ``[test]`` extra); skips with the reason otherwise.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from report.conftest import make_cells

from eisrecipe.report import load_cell
from eisrecipe.report.html import summary_table, write_cell_report, write_summary

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


#: elements whose right edge passes the body's, outside any scrolling or clipping ancestor
OVERFLOW_JS = """
const limit = document.body.getBoundingClientRect().right + 1;
const bad = [];
for (const el of document.body.querySelectorAll('*')) {
  let p = el.parentElement, clipped = false;
  while (p && p !== document.body) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) { clipped = true; break; }
    p = p.parentElement;
  }
  if (!clipped && el.getBoundingClientRect().right > limit) bad.push(el.tagName + ' ' + el.className);
}
return bad;
"""


def _overflowing(browser, page: Path) -> list[str]:
    browser.get(page.as_uri())
    return browser.execute_script(OVERFLOW_JS)


@pytest.mark.parametrize("name", ["pressureCell", "tempCell"])
def test_no_element_overflows_the_report(browser, cells_dir: Path, tmp_path: Path, name: str) -> None:
    page = tmp_path / "report.html"
    cell = load_cell(cells_dir / name)
    long_flag = "; ".join(f"s{i}:element_{i}.alpha_ended_on_its_bound_with_a_long_explanation" for i in range(3))
    write_cell_report(page, replace(cell, fits=cell.fits.assign(flags=long_flag)))
    assert _overflowing(browser, page) == []
    width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
    assert width[0] <= width[1], width
    # figures use the column's full width
    boxes = browser.execute_script("return Array.from(document.images).map(i => i.getBoundingClientRect().width);")
    column = browser.execute_script("return document.querySelector('section').getBoundingClientRect().width;")
    assert min(boxes) >= 0.95 * column, (boxes, column)


def test_the_overflow_check_can_fail(browser, tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text(
        "<html><body style='max-width:600px'><table><tr><td>" + "x" * 400 + "</td></tr></table></body></html>"
    )
    assert _overflowing(browser, page)


def test_summary_fits_the_page(browser, cells_dir: Path, tmp_path: Path) -> None:
    table = summary_table([load_cell(cells_dir / "pressureCell"), load_cell(cells_dir / "tempCell")])
    write_summary(tmp_path / "summary.csv", tmp_path / "summary.html", table, "mini")
    assert _overflowing(browser, tmp_path / "summary.html") == []
    headers = browser.execute_script("return Array.from(document.querySelectorAll('th')).map(t => t.textContent);")
    assert headers and not any("_" in h for h in headers), headers  # plain headers, no snake_case
