"""The dashboards as their users meet them: `mappa-audit serve` over real HTTP, in Chromium.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by scripts/test.sh);
browser downloads are impossible here. Screenshots and timings go to ``test-artifacts/``.
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Browser, Locator, Page

from mappa_audit import Audience
from mappa_audit._serve import VoilaServer, start_voila

from _support import ARTIFACTS, ROOT, SAMPLE, SampleRuns

sys.path.insert(0, str(ROOT / "benchmarks"))
from dashboard_load import wait_until_heated  # benchmarks/ is not a package, hence the path

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WAIT_MS = 90_000


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    opened.set_default_navigation_timeout(WAIT_MS)
    opened.requests = []  # type: ignore[attr-defined]
    opened.on("request", lambda request: opened.requests.append(request.url))  # type: ignore[attr-defined]
    blocked: list[str] = []
    opened.on("console", lambda message: blocked.append(message.text)
              if "Content Security Policy" in message.text else None)
    yield opened
    assert blocked == [], "the page did something its Content-Security-Policy forbids"
    context.close()


def record_timing(name: str, seconds: float) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = round(seconds, 3)
    path.write_text(json.dumps(timings, indent=2) + "\n")


def tiles(page: Page) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = page.eval_on_selector_all(
        ".mappa-tile",
        """tiles => Object.fromEntries(tiles.map(t => [t.dataset.rule, {
            rate: t.querySelector('.mappa-tile-rate').textContent,
            population: t.querySelector('.mappa-tile-population').textContent,
            change: t.querySelector('.mappa-tile-change').textContent}]))""",
    )
    return found


def assert_no_case_level_text(page: Page) -> None:
    """Leak scan: no case id, meeting id or free text anywhere in the page's HTML (attributes,
    hover text and plotly's data included)."""
    html = page.content() + "".join(
        frame.content() for frame in page.frames if frame != page.main_frame)
    assert "SYN-" not in html
    assert "SYNTHETIC TEST DATA" not in html
    disclosures = pl.read_csv(SAMPLE / "disclosures.csv", infer_schema=False)
    for text in set(disclosures["rationale"].drop_nulls()):
        assert text not in html


def shown_rate(rate: float | None, population: int | None) -> str:
    return "—" if rate is None or population is None or population < 5 else f"{rate * 100:.1f} %"


def shown_population(population: int | None,
                     withheld: list[str] | tuple[str, ...] = ()) -> str:
    # null in a board's results.json: small (<5), or withheld ([c]) to protect a small one
    if "population" in withheld:
        return "[c]"
    return "<5" if population is None or 0 < population < 5 else str(population)


def test_board_tiles_show_the_runs_numbers(board_server: VoilaServer, page: Page,
                                           sample_runs: SampleRuns) -> None:
    started = time.monotonic()
    page.goto(board_server.login_url, wait_until="commit")
    page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    record_timing("board first render (s)", time.monotonic() - started)
    results = json.loads((sample_runs.board / "results.json").read_text())
    earlier = {rule["rule_id"]: rule for rule in
               json.loads((sample_runs.earlier_board / "results.json").read_text())["rules"]}
    on_page = tiles(page)
    # every rule, in order of concern: red, amber, grey, green; the furthest below first
    assert sorted(on_page) == sorted(rule["rule_id"] for rule in results["rules"])
    concern = {"red": 0, "amber": 1, "none": 2, "green": 3}
    rags = {rule["rule_id"]: rule["rag"] if rule["status"] == "assessed" else "none"
            for rule in results["rules"]}
    order = [concern[rags[rule_id]] for rule_id in on_page]
    assert order == sorted(order), on_page
    for rule in results["rules"]:
        tile = on_page[rule["rule_id"]]
        assert tile["rate"] == shown_rate(rule["rate"], rule["population"]), rule["rule_id"]
        assert tile["population"] == shown_population(rule["population"],
                                                      rule.get("withheld", []))
        if rule["rate"] is None or earlier[rule["rule_id"]]["rate"] is None:
            # a rate a board may not see (a count it is drawn from is hidden): no change
            assert tile["change"] == "change not shown (too few)"
        else:
            assert "points" in tile["change"] or "no change" in tile["change"]
    assert page.get_by_text("OFFICIAL-SENSITIVE").first.is_visible()
    assert_page_structure(page, "MAPPA board overview", "MAPPA board overview")
    body = page.inner_text("body")
    assert "1 April 2025 to 31 March 2026" in body
    assert "Watch list" in body
    assert "not compliance rates" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2000})  # tiles and both charts
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "board_overview.png")
    assert_no_case_level_text(page)
    outside = [url for url in page.requests  # type: ignore[attr-defined]
               if urllib.parse.urlsplit(url).scheme in {"http", "https", "ws", "wss"}
               and urllib.parse.urlsplit(url).hostname != "127.0.0.1"]
    assert len(page.requests) > 10  # type: ignore[attr-defined]
    assert outside == []


def assert_page_structure(page: Page, title: str, heading: str) -> None:
    """WCAG 2.2 AA's part that a dashboard's own code decides: a page title, one h1 and one
    main landmark; and no plotly mode bar (most of the page's tab stops, and a "Share chart"
    that uploads to Plotly's cloud)."""
    assert page.title() == title
    assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
    assert page.get_by_role("main").count() == 1
    assert page.locator(".modebar-btn, .modebar").count() == 0


def contrast_on_page(page: Page, selector: str) -> list[float]:
    """The WCAG contrast of each ``selector`` element's text with its own background (text
    colour blended over it, as the browser paints a translucent colour)."""
    pairs = page.eval_on_selector_all(selector, r"""elements => elements.map(e => {
        const parse = c => {
            const v = c.match(/[\d.]+/g).map(Number);
            return v.length === 3 ? v.concat([1]) : v;
        };
        let node = e, background = [255, 255, 255, 0];
        while (node && background[3] === 0) {  // the first painted background up the tree
            background = parse(getComputedStyle(node).backgroundColor);
            node = node.parentElement;
        }
        if (background[3] === 0) { background = [255, 255, 255, 1]; }
        return [parse(getComputedStyle(e).color), background];
    })""")

    def luminance(rgb: list[float]) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    ratios = []
    for (*text, alpha), (*background, _) in pairs:
        painted = [alpha * t + (1 - alpha) * b for t, b in zip(text, background, strict=True)]
        light, dark = sorted((luminance(painted), luminance(background)), reverse=True)
        ratios.append((light + 0.05) / (dark + 0.05))
    return ratios


def test_area_dropdown_redraws_tiles_and_chart(board_server: VoilaServer, page: Page,
                                               sample_runs: SampleRuns) -> None:
    page.goto(board_server.login_url, wait_until="commit")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    before_tiles = tiles(page)
    before_chart = page.inner_html(".js-plotly-plot")
    started = time.monotonic()
    page.get_by_label("Area", exact=True).select_option(label="Eastvale")
    # any tile's count will do: one withheld ([c]) for all areas may be withheld for one too
    page.wait_for_function(
        """old => [...document.querySelectorAll('.mappa-tile-population')]
           .map(e => e.textContent).join('|') !== old""",
        arg="|".join(tile["population"] for tile in before_tiles.values()), timeout=WAIT_MS,
    )
    page.wait_for_function(
        "old => { const c = document.querySelector('.js-plotly-plot');"
        " return c && c.innerHTML !== old && c.querySelector('.main-svg'); }",
        arg=before_chart, timeout=WAIT_MS,
    )
    record_timing("board area change to redrawn tiles and chart (s)", time.monotonic() - started)
    areas = pl.read_parquet(sample_runs.board / "area_results.parquet").filter(
        (pl.col("area") == "Eastvale") & (pl.col("dimension") == "all"))
    after = tiles(page)
    for row in areas.iter_rows(named=True):
        assert after[row["rule_id"]]["rate"] == shown_rate(row["rate"], row["population"])
        assert after[row["rule_id"]]["population"] == shown_population(
            row["population"], row["withheld"] or ())
    assert "Eastvale" in page.inner_text("body")
    # the run keeps its watch list and coming-due counts for all areas: the panels say so
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert "Watch list: all areas, not only Eastvale" in headings
    assert "Coming due after the as-at date: all areas, not only Eastvale" in headings
    assert_no_case_level_text(page)


def test_auditor_pages_filters_and_downloads(auditor_server: VoilaServer, page: Page,
                                             sample_runs: SampleRuns) -> None:
    page.goto(auditor_server.login_url, wait_until="commit")
    page.wait_for_selector(".mappa-status", timeout=WAIT_MS)
    area = page.get_by_label("Run", exact=True).evaluate(
        "s => s.options[s.selectedIndex].text")
    folder = next(f for f in sample_runs.auditor
                  if json.loads((f / "results.json").read_text())["area"] in area)
    exceptions = pl.read_parquet(folder / "exceptions.parquet")
    assert f"page 1 of {-(-exceptions.height // 50)} · {exceptions.height} exceptions" in (
        page.inner_text(".mappa-status"))
    assert page.locator("table.mappa-exceptions tr").count() == 51  # header and 50 rows
    assert_page_structure(page, "MAPPA exceptions (auditor view)", "MAPPA exceptions")
    inactive = contrast_on_page(page, ".lm-TabBar-tab:not(.lm-mod-current) .lm-TabBar-tabLabel")
    assert len(inactive) == 3  # Coming due, Watch list, Data quality
    assert min(inactive) >= 4.5, inactive  # WCAG 2.2 AA, normal text
    first_page = page.inner_text("table.mappa-exceptions")
    page.get_by_role("button", name="Next ▶").click()
    # the status line is drawn last: when it says page 2, the rows are page 2's
    page.wait_for_function("() => document.querySelector('.mappa-status').textContent"
                           ".includes('page 2 of')", timeout=WAIT_MS)
    assert page.inner_text("table.mappa-exceptions") != first_page
    page.get_by_label("Rule", exact=True).select_option("REV-01")
    wanted = exceptions.filter(pl.col("rule_id") == "REV-01")
    page.wait_for_function(f"() => document.querySelector('.mappa-status').textContent"
                           f".includes('· {wanted.height} exceptions')", timeout=WAIT_MS)
    downloads = page.locator(".mappa-downloads-exceptions")
    assert downloads.locator("a").count() == 0, "a filter change builds no file"
    csv = prepared_file(page, downloads, "CSV", folder.name, "mappa-exceptions", "-rev-01")
    assert csv.count(b"\n") == wanted.height + 1
    assert csv.splitlines()[0].startswith(b"\xef\xbb\xbfRule,Standard,Case,Item")
    assert all(line.startswith(b"REV-01,Level 2 cases reviewed") for line in
               csv.splitlines()[1:])
    workbook = prepared_file(page, downloads, "Excel", folder.name, "mappa-exceptions",
                             "-rev-01")
    sheet = pl.read_excel(workbook, sheet_name="Exceptions")
    assert sheet["Case"].to_list() == wanted.sort("rule_id", "item_date", "case_id")[
        "case_id"].to_list()
    assert set(sheet["Outcome"]) <= {"not met", "cannot tell"}
    about = dict(pl.read_excel(workbook, sheet_name="About", has_header=False).iter_rows())
    assert about["Filter: Rule"] == "REV-01"
    assert about["Run"] == folder.name
    assert "OFFICIAL-SENSITIVE" in about["Marking"]
    page.screenshot(path=ARTIFACTS / "auditor_exceptions.png", full_page=True)
    page.get_by_label("Rule", exact=True).select_option("All")
    page.wait_for_function(f"() => document.querySelector('.mappa-status').textContent"
                           f".includes('· {exceptions.height} exceptions')", timeout=WAIT_MS)
    assert downloads.locator("a").count() == 0, "the REV-01 file went with its selection"
    assert downloads.locator(".mappa-live").inner_text() == ""

    # ACT-02: whoever chases an action has its due date, completion date, owner and meeting
    page.get_by_label("Rule", exact=True).select_option("ACT-02")
    actions = exceptions.filter(pl.col("rule_id") == "ACT-02")
    page.wait_for_function(f"() => document.querySelector('.mappa-status').textContent"
                           f".includes('· {actions.height} exceptions')", timeout=WAIT_MS)
    chase = pl.read_excel(prepared_file(page, downloads, "Excel", folder.name,
                                        "mappa-exceptions", "-act-02"), sheet_name="Exceptions")
    assert chase.height == actions.height > 0
    assert chase["Due"].null_count() == 0
    assert chase["Meeting date"].null_count() == 0
    assert {"Done on", "Action owner", "Lead agency"} <= set(chase.columns)
    assert chase["Done on"].null_count() == actions["done_date"].null_count()
    assert (chase["Done on"].drop_nulls() > chase.filter(
        pl.col("Done on").is_not_null())["Due"]).all(), "completed late, or not at all"

    # a case id typed in the search box narrows the list to that case
    case_id = actions["case_id"][0]
    search = page.get_by_label("Case id").first
    search.fill(case_id.lower())
    search.press("Enter")
    of_case = actions.filter(pl.col("case_id") == case_id).height
    page.wait_for_function(f"() => document.querySelector('.mappa-status').textContent"
                           f".includes('· {of_case} exceptions')", timeout=WAIT_MS)
    # the rows come before the status line that announces them; a slow browser may draw
    # them a moment apart
    page.wait_for_function("n => document.querySelectorAll("
                           "'table.mappa-exceptions td:nth-child(3)').length === n",
                           arg=of_case, timeout=WAIT_MS)
    cases = page.locator("table.mappa-exceptions td:nth-child(3)").all_inner_texts()
    assert set(cases) == {case_id}
    search.fill("")
    search.press("Enter")
    page.get_by_label("Rule", exact=True).select_option("All")
    page.wait_for_function(f"() => document.querySelector('.mappa-status').textContent"
                           f".includes('· {exceptions.height} exceptions')", timeout=WAIT_MS)

    page.get_by_role("tab", name="Coming due").click()
    page.wait_for_selector("table.mappa-worklist", state="visible")
    worklist = pl.read_parquet(folder / "worklist.parquet")
    assert page.locator("table.mappa-worklist tr").count() == min(worklist.height, 50) + 1
    page.get_by_label("Status", exact=True).select_option("due")
    coming = worklist.filter(pl.col("status") == "due").height
    page.wait_for_function(f"() => document.querySelector('.mappa-status-worklist')"
                           f".textContent.endsWith(' {coming} items')")
    assert page.locator("table.mappa-worklist tr").count() == min(coming, 50) + 1
    due = pl.read_excel(prepared_file(page, page.locator(".mappa-downloads-worklist"), "Excel",
                                      folder.name, "mappa-worklist", "-due"),
                        sheet_name="Coming due")
    assert due.height == coming
    assert set(due["Status"]) == {"due"}
    assert {"Days left", "Working days left"} <= set(due.columns)

    page.get_by_role("tab", name="Watch list").click()
    watch = pl.read_parquet(folder / "watch_list.parquet")
    listed = prepared_file(page, page.locator(".mappa-downloads-watch"), "CSV", folder.name,
                           "mappa-watch")
    assert listed.count(b"\n") == watch.height + 1


def prepared_file(page: Page, downloads: Locator, kind: str, run: str, stem: str,
                  filters: str = "") -> bytes:
    """Press a list's "Prepare" button as a keyboard user would, wait for the live status
    line to say the file is ready, then download it by its link."""
    suffix = {"CSV": "csv", "Excel": "xlsx"}[kind]
    status = downloads.locator(".mappa-live")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    button = downloads.get_by_role("button", name=f"Prepare {kind}", exact=True)
    button.focus()
    page.keyboard.press("Enter")
    link = downloads.locator(f"a.mappa-download-{suffix}")
    link.wait_for(state="visible", timeout=WAIT_MS)
    assert f"The {kind} file of this selection" in status.inner_text()
    assert "is ready" in status.inner_text()
    assert button.evaluate("b => document.activeElement === b"), "the focus stays put"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"{stem}-{run}{filters}.{suffix}"
    return Path(download.value.path()).read_bytes()


# ---- over plain HTTP -----------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode(
                "utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def test_the_auditor_lists_the_rows_behind_the_data_quality_counts(
        auditor_server: VoilaServer, page: Page, sample_runs: SampleRuns) -> None:
    page.goto(auditor_server.login_url, wait_until="commit")
    page.wait_for_selector(".mappa-status", timeout=WAIT_MS)
    area = page.get_by_label("Run", exact=True).evaluate("s => s.options[s.selectedIndex].text")
    folder = next(f for f in sample_runs.auditor
                  if json.loads((f / "results.json").read_text())["area"] in area)
    found = pl.read_parquet(folder / "data_quality.parquet")
    page.get_by_role("tab", name="Data quality").click()
    status = ".mappa-status-quality"
    page.wait_for_function(f"() => document.querySelector('{status}').textContent"
                           f".endsWith('· {found.height} rows')", timeout=WAIT_MS)
    listed = page.locator("table.mappa-quality td:nth-child(3)").all_inner_texts()
    assert listed == found["table"].head(50).to_list()  # Rule, Standard, then Table
    page.get_by_label("Data-quality rule", exact=True).select_option("DQ-02")
    unknown = found.filter(pl.col("rule_id") == "DQ-02")
    page.wait_for_function(f"() => document.querySelector('{status}').textContent"
                           f".endsWith('· {unknown.height} rows')", timeout=WAIT_MS)
    assert set(page.locator("table.mappa-quality td:nth-child(2)").all_inner_texts()) == {
        "Rows that refer to nothing"}
    workbook = prepared_file(page, page.locator(".mappa-downloads-quality"), "Excel",
                             folder.name, "mappa-data-quality", "-dq-02")
    sheet = pl.read_excel(workbook, sheet_name="Data quality")
    assert sheet["Row id"].to_list() == unknown["record_id"].to_list()
    assert {"Rule", "Standard", "Table", "Line", "Case", "Why"} <= set(sheet.columns)


def test_without_the_token_every_page_goes_to_login(board_server: VoilaServer) -> None:
    for path in ("", "board_overview.ipynb", "voila/files/board_overview.ipynb", "api/kernels",
                 "tree"):
        status, headers, body = fetch(board_server.url + path)
        assert status in {302, 403, 404}, (path, status)
        if status == 302:
            assert "/login" in headers["Location"]
        assert "mappa-tile" not in body
        assert "SYN-" not in body


PNG_1X1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
           "RU5ErkJggg==")
SENSITIVE_PATHS = [
    "voila/files/board_overview.ipynb",  # the notebook source
    "voila/files/probe.png",  # an image under Voila's root: served without auth by default
    "voila/files/../config/voila.json",  # the token file, by path traversal
    "voila/files/%2e%2e/config/voila.json",
    "voila/files/..%2fconfig%2fvoila.json",
    "api/contents",
    "api/contents/board_overview.ipynb",
    "api/sessions",
    "voila/tree",
    "voila/render/board_overview.ipynb",
    "files/board_overview.ipynb",
    "notebooks/board_overview.ipynb",
    "voila/static/../../../../../etc/passwd",
    "voila/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "voila/labextensions/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "voila/templates/mappa/static/%2e%2e/index.html.j2",
    "voila/templates/mappa/conf.json",
]


def test_sensitive_paths_return_nothing_sensitive(board_server: VoilaServer,
                                                  sample_runs: SampleRuns) -> None:
    root = board_server.workdir / "root"
    (root / "probe.png").write_bytes(base64.b64decode(PNG_1X1))
    status, headers, _ = fetch(board_server.login_url)
    assert status == 200
    cookie = "; ".join(part.split(";")[0] for key, part in headers.items()
                       if key.lower() == "set-cookie")
    case_ids = set(pl.read_csv(SAMPLE / "cases.csv", infer_schema=False)["case_id"].head(50))
    data_paths = [f"voila/files{p}" for p in (
        str(SAMPLE / "cases.csv"), str(sample_runs.board / "results.json"))]
    data_paths += [f"voila/files/{p.relative_to(p.anchor)}" for p in (
        SAMPLE / "cases.csv", sample_runs.board / "exceptions.parquet")]
    for path in SENSITIVE_PATHS + data_paths:
        for url in (board_server.url + path,
                    f"{board_server.url}{path}?token={board_server.token}"):
            status, _, body = fetch(url, cookie)
            where = f"{path} -> {status}"
            assert (status != 200 or "mappa-tile" in body or "voila" in body.lower()
                    or "Opening the dashboard" in body), where  # the token leaving the URL
            assert "PNG" not in body[:8], where
            assert board_server.token not in body, where
            assert "from mappa_audit.dashboard import" not in body, where
            assert '"cells"' not in body, where
            assert "root:x:0:0" not in body, where
            assert "Traceback" not in body, where
            assert not any(case_id in body for case_id in case_ids), where


def test_a_broken_run_shows_words_not_a_traceback(tmp_path: Path, page: Page) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "index.json").write_text("{ this is not json")
    server = start_voila(runs, Audience.BOARD)
    try:
        page.goto(server.login_url, wait_until="commit")
        page.wait_for_selector(".mappa-message", timeout=WAIT_MS)
        text = page.inner_text("body")
        assert "could not be read" in text
        assert "Traceback" not in text
        assert "index.json" not in text
    finally:
        server.stop()


def test_a_run_made_after_the_kernel_was_heated_is_shown(tmp_path: Path, page: Page,
                                                         sample_runs: SampleRuns) -> None:
    """The pre-heated kernel reads the runs when the viewer comes, not when it was started."""
    runs = tmp_path / "runs"
    runs.mkdir()
    server = start_voila(runs, Audience.BOARD)
    try:
        wait_until_heated(server)
        shutil.copytree(sample_runs.folder, runs, dirs_exist_ok=True)
        page.goto(server.login_url, wait_until="commit")
        page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
        assert "has been run yet" not in page.inner_text("body")
    finally:
        server.stop()


def test_a_runs_report_is_titled_with_its_area_and_period(sample_runs: SampleRuns) -> None:
    html = (sample_runs.board / "audit_report.html").read_text(encoding="utf-8")
    assert ("<title>MAPPA audit report: all areas, 1 April 2025 to 31 March 2026</title>"
            in html)
    review = (sample_runs.board / "disclosure_review.html").read_text(encoding="utf-8")
    assert "<title>MAPPA disclosure review: all areas, 1 April 2025" in review


def test_chart_json_cannot_close_its_script_element() -> None:
    from mappa_audit._views import Chart, ChartPoint
    from mappa_audit.dashboard import _chart_html

    hostile = "</script><script>alert(1)</script> & <b>"
    point = ChartPoint(label=hostile, rate=0.5, rate_text="50.0 %", bar_text="50 %", met="5",
                       not_met="5", colour="#c62828")
    chart = _chart_html(Chart(kind="breakdown", title=hostile, target=0.95,
                              target_text="target 95 %", points=(point,)))
    body = chart.split('<script type="application/json">', 1)[1].split("</script>", 1)[0]
    assert not {"<", ">", "&"} & set(body)
    assert "alert(1)" in json.dumps(json.loads(body))  # there, as text plotly shows as text
    assert "<script>alert" not in chart.replace(body, "")  # the table escapes it too


def test_the_outcomes_theme_shows_groups_never_people(board_server: VoilaServer,
                                                      page: Page) -> None:
    """Issue 18: the board's "Outcomes and equality" theme, its small groups "<5" with no
    rate, its ranked charts drawn without a mode bar, and no case id on the page."""
    page.goto(board_server.login_url, wait_until="commit")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    page.get_by_label("Theme", exact=True).select_option(label="Outcomes and equality")
    page.wait_for_selector(".mappa-outcomes .main-svg", timeout=WAIT_MS)
    text = page.inner_text(".mappa-outcomes")
    for words in ("Charges of a serious further offence, by level at the time",
                  "Relative rate index", "Share at Level 2 or 3 on 31 March", "<5"):
        assert words in text, words
    assert "SYN-" not in page.content()
    assert page.locator(".mappa-outcomes .modebar").count() == 0
    page.screenshot(path=str(ARTIFACTS / "board_outcomes.png"), full_page=True)
    # the tables are the run's; with an area chosen the page says whose they are
    page.get_by_label("Area", exact=True).select_option(label="Eastvale")
    page.get_by_text("Outcomes and equality: all areas, not only Eastvale.").wait_for()
