"""WCAG 2.2 AA where people read: axe-core in Chromium on every page and state, a keyboard-only
walk that reaches and uses every control, and reflow at 320 CSS px (issue 17, item 4).

axe-core (npm, pinned by scripts/install-axe.sh) runs its wcag2a/2aa/21a/21aa/22aa rules on
both dashboards (each tab, a filter applied, the glossary open, at 1280 and 320 px wide), the
run reports, the disclosure review, the board paper and the annual report. Automated checks
find perhaps a third of the problems a person would; the keyboard walk and the reflow check
cover two that axe cannot judge.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from mappa_audit._serve import VoilaServer

from _support import SampleRuns, axe_violations, mappa

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WAIT_MS = 90_000
NARROW = {"width": 320, "height": 800}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def assert_accessible(page: Page, state: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{state}: " + "\n".join(found)


def assert_reflows(page: Page, state: str) -> None:
    """At 320 CSS px nothing is cut off or needs sideways scrolling of the page (WCAG 1.4.10);
    a data table may scroll in its own region, which keeps its columns."""
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(300)  # the layout settles
    outside = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || r.right < 0) { return false; }  // hidden
        if (e.closest('.mappa-scroll, .js-plotly-plot')) { return false; }
        return r.right > window.innerWidth + 1 || r.left < -1;
    }).map(e => e.tagName + '.' + [...e.classList].join('.')).slice(0, 10)""")
    assert outside == [], f"{state} at 320 px: cut off or wider than the screen: {outside}"
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert_accessible(page, f"{state} at 320 px")


def keyboard_walk(page: Page, presses: int = 80) -> list[dict[str, object]]:
    """Tab from the top of the page: what takes the focus, in order, with its focus ring."""
    page.locator("body").focus()
    reached: list[dict[str, object]] = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const e = document.activeElement;
            if (!e || e === document.body) { return null; }
            const s = getComputedStyle(e);
            return {tag: e.tagName, name: e.getAttribute('aria-label') || e.textContent.trim()
                    .slice(0, 40) || (e.labels && e.labels[0] ? e.labels[0].textContent : ''),
                    outline: parseFloat(s.outlineWidth) || 0, style: s.outlineStyle};
        }""")
        if focused is None:
            continue
        if reached and focused == reached[0]:
            break  # round again
        reached.append(focused)
    return reached


FOCUSED_NAME = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) { return null; }
    return (e.getAttribute('aria-label') || (e.labels && e.labels[0]
            ? e.labels[0].textContent : e.textContent) || '').trim();
}"""


def use_by_keyboard(page: Page, name: str, *keys: str, presses: int = 80) -> None:
    """Tab from the top of the page to the control named ``name`` (its label, its words), as
    someone with no mouse does, and press ``keys`` on it."""
    page.locator("body").focus()
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED_NAME))
        if seen[-1] == name:
            break
    else:
        pytest.fail(f"Tab never reached {name!r}; it reached {sorted(set(map(str, seen)))}")
    for key in keys:
        page.keyboard.press(key)


def chart_title(page: Page) -> str:
    return str(page.locator(".js-plotly-plot .gtitle").first.text_content())


def test_board_dashboard(board_server: VoilaServer, page: Page) -> None:
    page.goto(board_server.login_url, wait_until="commit")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    assert_accessible(page, "board overview")

    reached = keyboard_walk(page)
    tags = [item["tag"] for item in reached]
    assert tags.count("SELECT") >= 4, reached  # run, area, theme, chart of
    assert sum(1 for item in reached if item["tag"] == "BUTTON") >= 4, reached  # breakdowns
    assert any("What the words mean" in str(item["name"]) for item in reached), reached
    thin = [item for item in reached if item["style"] == "none" or float(
        str(item["outline"])) < 3]
    assert thin == [], f"a focus ring thinner than 3 px: {thin}"

    # every control used with the keyboard alone
    use_by_keyboard(page, "What the words mean", "Enter")
    page.get_by_text("Near target (amber)").wait_for(state="visible")
    assert_accessible(page, "board overview, glossary open")
    before = chart_title(page)
    use_by_keyboard(page, "Chart of", "ArrowDown")
    page.wait_for_function("(before) => document.querySelector('.js-plotly-plot .gtitle')"
                           ".textContent !== before", arg=before)
    use_by_keyboard(page, "By local unit", "Space")
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
                           ".some(title => title.textContent.endsWith('by local unit'))")
    use_by_keyboard(page, "Area", "ArrowDown")  # the first area after "All areas"
    page.wait_for_function("() => document.body.innerText.includes('not only Eastvale')")
    tiles = page.locator(".mappa-tile").count()
    use_by_keyboard(page, "Theme", "ArrowDown")  # the first theme after "All themes"
    page.wait_for_function("(tiles) => document.querySelectorAll('.mappa-tile').length"
                           " < tiles", arg=tiles)
    assert_accessible(page, "board overview, an area and a theme chosen")
    banner = page.locator(".mappa-banner").first.inner_text()
    use_by_keyboard(page, "Run")  # to the other run (FY 2024-25 or 2025-26), and back
    step = "ArrowDown" if page.evaluate("document.activeElement.selectedIndex") == 0 else "ArrowUp"
    page.keyboard.press(step)
    page.wait_for_function("(banner) => document.querySelector('.mappa-banner')"
                           ".innerText !== banner", arg=banner)
    other = page.locator(".mappa-banner").first.inner_text()
    page.keyboard.press("ArrowUp" if step == "ArrowDown" else "ArrowDown")
    page.wait_for_function("(other) => document.querySelector('.mappa-banner')"
                           ".innerText !== other", arg=other)
    page.get_by_label("Theme", exact=True).select_option(label="Outcomes and equality")
    page.wait_for_selector(".mappa-outcomes .main-svg", timeout=WAIT_MS)
    assert_accessible(page, "board overview, outcomes and equality")
    assert_reflows(page, "board overview, outcomes and equality")
    page.get_by_label("Theme", exact=True).select_option(label="All themes")
    page.wait_for_selector(".mappa-tile")
    assert_reflows(page, "board overview")


def test_auditor_dashboard(auditor_server: VoilaServer, page: Page) -> None:
    page.goto(auditor_server.login_url, wait_until="commit")
    page.wait_for_selector(".mappa-status", timeout=WAIT_MS)
    assert_accessible(page, "auditor exceptions")
    page.get_by_label("Rule", exact=True).select_option("ACT-02")
    page.wait_for_function("() => document.querySelector('table.mappa-exceptions td')"
                           ".textContent === 'ACT-02'")
    assert_accessible(page, "auditor exceptions, a rule chosen")
    reached = keyboard_walk(page, presses=40)
    assert sum(1 for item in reached if item["tag"] == "SELECT") >= 5, reached
    assert any(item["tag"] == "INPUT" for item in reached), reached  # the case-id search
    # every control used with the keyboard alone
    use_by_keyboard(page, "Rule", "ArrowUp")  # back to every rule
    page.wait_for_function("() => document.body.innerText.includes('page 1 of')")
    use_by_keyboard(page, "Next ▶", "Enter")
    page.wait_for_function("() => document.body.innerText.includes('page 2 of')")
    use_by_keyboard(page, "◀ Previous", "Enter")
    page.wait_for_function("() => document.body.innerText.includes('page 1 of')")
    first_case = str(page.evaluate("""() => {
        const table = document.querySelector('table.mappa-exceptions');
        const column = [...table.querySelectorAll('th')].findIndex(
            th => /case/i.test(th.textContent));
        const row = [...table.querySelectorAll('tr')].find(tr => tr.querySelector('td'));
        return row.children[column].textContent.trim();
    }"""))
    use_by_keyboard(page, "Case id")
    page.keyboard.type(first_case)
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => { const rows = [...document.querySelectorAll("
                           "'table.mappa-exceptions tr')].filter(r => r.querySelector('td'));"
                           " return rows.length > 0 && rows.every("
                           "r => r.innerText.includes(id)); }", arg=first_case)
    use_by_keyboard(page, "Prepare CSV", "Enter")
    page.locator("a.mappa-download-csv").first.wait_for(state="visible")
    use_by_keyboard(page, "Exceptions")  # the tabs: arrows move, Enter opens
    for tab in ("Coming due", "Watch list", "Data quality"):
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.wait_for_function("(tab) => document.querySelector('[role=tab]"
                               "[aria-selected=true]').textContent === tab", arg=tab)
        page.wait_for_timeout(300)
        assert_accessible(page, f"auditor {tab}")
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    page.get_by_role("tab", name="Exceptions", selected=True).wait_for()
    assert_reflows(page, "auditor exceptions")


def open_file(page: Page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


def test_reports_paper_and_annual_report(sample_runs: SampleRuns, sample_annual: Path,
                                         page: Page, tmp_path: Path) -> None:
    pages = {
        "board audit report": sample_runs.board / "audit_report.html",
        "board disclosure review": sample_runs.board / "disclosure_review.html",
        "auditor audit report": sample_runs.auditor[0] / "audit_report.html",
    }
    paper = tmp_path / "paper.html"
    assert mappa("paper", sample_runs.board, "--out", paper).returncode == 0
    pages["board paper"] = paper
    pages["annual report"] = sample_annual / "annual_report.html"
    for name, path in pages.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        open_file(page, path)
        assert page.title() != "Notebook", name
        assert_accessible(page, name)
        assert_reflows(page, name)
