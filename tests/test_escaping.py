"""Values from the data are text wherever HTML is built (issue 14, item 2: stored XSS).

An area, a local unit or a case id is whatever the export holds; so is anything in a run
folder's ``results.json``. Here they hold script, and every report, paper and dashboard
fragment made from them must show it as text. The browser tests open the files that the
real command line writes in headless Chromium, listening for dialogs; one run per audience
is shared by the module so that it stays under a minute.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from playwright.sync_api import Browser, Page

from mappa_audit import AuditReport, audit
from mappa_audit import _views as views
from mappa_audit._downloads import Downloads
from mappa_audit._render import render
from mappa_audit._voila_main import _page
from mappa_audit.dashboard import PagedList, _banner_html, _message, _tiles_html

from _support import FY_2025, SAMPLE, mappa, sample_with

# Each payload calls alert() with its own number, so a dialog says which one got through.
AREAS = {
    "Westbrook": "Westbrook<img src=x onerror=alert(101)>",  # an element with a handler
    "Eastvale": "Eastvale</script><script>alert(107)</script>",  # closes a script, opens one
    "Northmoor": "Northmoor\"><svg onload=alert(102)>",  # leaves a double-quoted attribute
}
LAUS = {
    "Westbrook Central": "javascript:alert(103)",  # a link target, if anything makes one
    "Eastvale North": "<script>alert(104)</script>",
    "Northmoor South": "'><img src=x onerror=alert(105)>",  # leaves a single-quoted attribute
    "Eastvale Central": "[open](javascript:alert(106))",  # a Markdown link
    # Markdown, an ampersand, and a tag that plotly.js would draw (without its handler)
    "Westbrook North": "**Westbrook North** & <b onmouseover=alert(108)>_hover_</b>",
}
CASES = {
    # an id in every table; this case is on the first page of the auditor's exceptions
    "SYN-C0001389": "SYN-C0001389<img src=x onerror=alert(109)>",
    "SYN-C0000002": "SYN-C0000002\u2028</script><svg/onload=alert(110)>",
}

# An injected element or attribute, whether or not it would run by itself (onmouseover
# needs a mouse; a <script> added by innerHTML does not run, but the next sink might).
FIND_INJECTED = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const value = attribute.value.trim().toLowerCase();
      if (attribute.name.startsWith('on')
          || (['href', 'src', 'xlink:href', 'action'].includes(attribute.name)
              && value.startsWith('javascript:'))) {
        found.push(`${element.tagName} ${attribute.name}=${attribute.value}`);
      }
    }
    if (element.tagName === 'SCRIPT' && /^\\s*alert\\(/.test(element.textContent)) {
      found.push(`SCRIPT ${element.textContent}`);
    }
    if (element.tagName === 'IMG' && element.getAttribute('src') === 'x') {
      found.push('IMG src=x');
    }
  }
  return found;
}"""


# ---- the files the command line writes, in a real browser ---------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CLI's HTML outputs for the hostile dataset: both audiences, paper and annual."""
    base = tmp_path_factory.mktemp("hostile")
    dataset = sample_with(base / "data", {"area": AREAS, "lau": LAUS, "case_id": CASES})
    runs = base / "runs"
    # the three commands side by side: each is mostly a kernel starting and importing
    started = {
        audience: _start("run", dataset, *FY_2025, "--audience", audience, "--out",
                         runs / audience)
        for audience in ("board", "auditor")
    } | {"annual": _start("annual", dataset, "--year", "2025-26", "--area",
                          AREAS["Westbrook"], "--out", base / "annual")}
    printed = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        printed[name] = [Path(line) for line in stdout.splitlines() if line.strip()]
    made = {"annual report": base / "annual" / "annual_report.html"}
    for audience in ("board", "auditor"):
        [folder] = printed[audience]
        made[f"{audience} audit report"] = folder / "audit_report.html"
        made[f"{audience} disclosure review"] = folder / "disclosure_review.html"
    paper = mappa("paper", made["board audit report"].parent, "--out", base / "paper.html")
    assert paper.returncode == 0, paper.stderr
    made["board paper"] = base / "paper.html"
    return made


def _start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mappa_audit", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)



@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    opened.dialogs = []  # type: ignore[attr-defined]

    def dismiss(dialog: Any) -> None:
        opened.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()

    opened.on("dialog", dismiss)
    yield opened
    context.close()


def open_and_look(page: Page, url: str | None = None, content: str | None = None) -> str:
    """Load a page, let any handler fire, and return its visible text."""
    if url is not None:
        page.goto(url, wait_until="load")
    else:
        page.set_content(content or "", wait_until="load")
    page.wait_for_timeout(300)  # <img onerror> and <svg onload> fire after load
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.evaluate(FIND_INJECTED) == []
    return page.inner_text("body")


# What each output must show as text: the areas where it names areas (the worst area in a
# rule's sentence, the disclosure decisions by area, the auditor's case tables).
SHOWN_AS_TEXT = {
    "board audit report": [],  # at least one area, checked below
    "board disclosure review": list(AREAS.values()),
    "auditor audit report": [*AREAS.values(), CASES["SYN-C0001389"], LAUS["Eastvale North"]],
    "auditor disclosure review": list(AREAS.values()),
    "board paper": [],
    "annual report": [],
}


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("output", list(SHOWN_AS_TEXT))
def test_outputs_show_hostile_values_as_text(hostile: dict[str, Path], page: Page,
                                             output: str) -> None:
    text = open_and_look(page, hostile[output].as_uri())
    for value in SHOWN_AS_TEXT[output]:
        assert value in text, value
    if output in {"board audit report", "board paper"}:
        # "… 12 missed, 5 of them in <area>.": the sentence that let the area in raw
        assert any(f"of them in {area}." in text for area in AREAS.values())
    if output == "board audit report":
        # the charts' axes name areas and local units as they are written, tags and all
        ticks = set(page.eval_on_selector_all(".xtick text", "els => els.map(e => e.textContent)"))
        assert {*AREAS.values(), *LAUS.values()} <= ticks, ticks


# ---- the HTML fragments, built from a crafted run ------------------------------------------

RULE_ID = "TML-01' data-x='\"><img src=x onerror=alert(201)>"
TEXT = "<script>alert(202)</script>\"'><svg onload=alert(203)>"


@pytest.fixture(scope="module")
def crafted() -> tuple[AuditReport, AuditReport]:
    """A board and an auditor report whose results hold script where text or ids go (a run
    folder's results.json is a file anyone with write access to the runs folder can edit)."""
    result = audit(SAMPLE, "2025-04-01", "2026-03-31")
    reports = []
    for audience in ("board", "auditor"):
        report = AuditReport.from_result(result, audience)
        document = copy.deepcopy(report.document)
        document["area"] = TEXT
        document["policy"]["name"] = TEXT
        first = document["rules"][0]
        first |= {"rule_id": RULE_ID, "title": TEXT, "standard": TEXT}
        for signal in document["signals"]:
            signal |= {"signal_id": TEXT, "title": TEXT}
        for week in document["due_by_week"]:
            week["week"] = TEXT
        for finding in document["data_quality"]:
            finding |= {"rule_id": TEXT, "title": TEXT}
        rule_results = report.rule_results.with_columns(
            pl.col("rule_id").replace({"TML-01": RULE_ID}),
            # every area is crafted, so the worst area a sentence names is one of them
            pl.col("value").replace({area: f"{TEXT} {area}" for area in AREAS}))
        reports.append(dataclasses.replace(report, document=document,
                                           rule_results=rule_results))
    return reports[0], reports[1]


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML fragment."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_nothing_injected(html: str, shown: list[str]) -> None:
    """No element or attribute came from the data, and the data is there as text."""
    parsed = _Elements(html)
    for tag, attributes in parsed.tags:
        assert tag not in {"img", "svg", "iframe", "object", "embed"}, (tag, attributes)
        assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
        assert "data-x" not in attributes, (tag, attributes)
        assert not str(attributes.get("href", "")).startswith("javascript:"), attributes
    scripts = html.count("<script")
    assert scripts == html.count('<script type="application/json">'), "a script was added"
    text = "".join(parsed.text)
    for value in shown:
        assert value in text, value


def _previous(report: AuditReport) -> AuditReport:
    return report  # compared with itself: every row of the change table is drawn


FRAME = pl.DataFrame({"area": [AREAS["Westbrook"]], "lau": [LAUS["Northmoor South"]],
                      TEXT: [CASES["SYN-C0000002"]]})

# builder name -> (audience, the fragment, what must be shown as text)
FRAGMENTS: dict[str, tuple[str, Callable[[AuditReport], str], list[str]]] = {
    # rule id in text and in the tile's data-rule attribute, title in text
    "board tiles": ("board", lambda r: _tiles_html(r, [RULE_ID, "TML-02"], _previous(r)),
                    [RULE_ID, TEXT]),
    "auditor tiles": ("auditor", lambda r: _tiles_html(r, [RULE_ID], None), [RULE_ID, TEXT]),
    # area and policy name in the banner
    "board banner": ("board", lambda r: _banner_html(r, _previous(r)), [TEXT]),
    "headline": ("board", lambda r: render("headline.html.j2", rows=views.headline_rows(r)),
                 [RULE_ID, TEXT]),
    # the change table printed the rule id raw
    "change since the last run": (
        "board", lambda r: render("change_table.html.j2",
                                  view=views.change_table(r, _previous(r))), [RULE_ID, TEXT]),
    "watch list counts": (
        "board", lambda r: render("signals.html.j2", view=views.signals(r, _previous(r))),
        [TEXT]),
    "coming due by week": (
        "board", lambda r: render("due_by_week.html.j2", weeks=views.due_by_week(r)), [TEXT]),
    "data quality": (
        "board", lambda r: render("data_quality.html.j2", view=views.data_quality(r)), [TEXT]),
    # the sentence names the worst area: here the crafted one
    "a rule's sentence": ("auditor", lambda r: f"<div>{_sentence_html(r)}</div>",
                          [f"of them in {TEXT}"]),
    # any frame: the exceptions, worklist, watch list and annual tables
    "any table": ("auditor", lambda r: render("table.html.j2", view=views.table(FRAME),
                                              css="mappa", heading=TEXT),
                  [*FRAME.row(0), TEXT]),
    # the worklist and watch list
    "list": ("auditor", lambda r: _paged(FRAME), [AREAS["Westbrook"]]),
    # a prepared download's link, named after a crafted run folder (in text and attribute)
    "downloads": ("auditor", lambda r: _prepared(f"mappa-exceptions-{TEXT}"),
                  [f"mappa-exceptions-{TEXT}.csv"]),
    # what a dashboard says instead of its widgets
    "dashboard message": ("board", lambda r: _message(TEXT).value, [TEXT]),
    # the dashboard server's pages of one sentence, and the step that drops the token
    "server page": ("board", lambda r: _page(TEXT, TEXT, refresh_to=RULE_ID), [TEXT]),
}


def _paged(frame: pl.DataFrame) -> str:
    """A page of an auditor's list, its status line and its search box's label."""
    paged = PagedList("cases", "watch", TEXT, TEXT)
    paged.show(frame, {}, TEXT, [])
    return str(paged.table.value) + str(paged.status.value)


def _prepared(name: str) -> str:
    downloads = Downloads("exceptions", "exceptions")
    downloads.offer(FRAME, name)
    downloads.prepare("csv")
    return str(downloads.status.value)


def _sentence_html(report: AuditReport) -> str:
    from IPython.display import HTML

    from mappa_audit import notebook

    shown: list[str] = []
    original = notebook.display
    notebook.display = lambda *objects, **_: shown.extend(  # type: ignore[assignment]
        o.data for o in objects if isinstance(o, HTML))
    try:
        notebook.show_theme(report, "timeliness")
    finally:
        notebook.display = original
    return "".join(s for s in shown if "<table" not in s)  # the sentences


@pytest.mark.parametrize("name", list(FRAGMENTS))
def test_html_fragments_escape_crafted_results(crafted: tuple[AuditReport, AuditReport],
                                               name: str) -> None:
    audience, build, shown = FRAGMENTS[name]
    report = crafted[0] if audience == "board" else crafted[1]
    assert_nothing_injected(build(report), shown)


def test_tile_keeps_a_crafted_rule_id_inside_its_attribute(
        crafted: tuple[AuditReport, AuditReport]) -> None:
    parsed = _Elements(_tiles_html(crafted[0], [RULE_ID], None))
    [tile] = [attributes for tag, attributes in parsed.tags
              if "mappa-tile" in str(attributes.get("class", "")).split()]
    assert tile["data-rule"] == RULE_ID
    assert set(tile) == {"class", "data-rule", "data-rag", "style"}


@pytest.mark.browser
@pytest.mark.slow
def test_dashboard_fragments_render_as_text(crafted: tuple[AuditReport, AuditReport],
                                            page: Page) -> None:
    board, auditor = crafted
    fragments = "".join(build(board if audience == "board" else auditor)
                        for audience, build, _ in FRAGMENTS.values())
    text = open_and_look(page, content=f"<!DOCTYPE html><html><body>{fragments}</body></html>")
    assert RULE_ID in text
    assert TEXT in text


def test_crafted_document_reaches_the_builders(crafted: tuple[AuditReport, AuditReport]) -> None:
    # guards the fixture: were the crafted values dropped on the way, the tests above would
    # pass for nothing
    board, _ = crafted
    assert board.document["rules"][0]["rule_id"] == RULE_ID
    assert json.dumps(board.document).count("alert(202)") > 5


# ---- the command line's tables for people --------------------------------------------------

RICH = "[/bold]West[link=https://example.org]brook[/link]"
"""rich reads [ ] as markup: "[/bold]" with nothing open raised MarkupError (a traceback
instead of the table), "[link=…]" would make a live link in the terminal."""


@pytest.fixture(scope="module")
def rich_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_with(tmp_path_factory.mktemp("rich") / "data",
                       {"area": {"Westbrook": RICH}, "lau": {"Eastvale North": f"[red]{RICH}"}})


@pytest.mark.parametrize(
    "arguments",
    [
        # the results table's heading names the area
        ["check", "--start", "2025-04-01", "--end", "2026-03-31", "--area", RICH],
        # the worklist table lists each item's area
        ["due", "--as-at", "2026-03-02", "--area", RICH],
    ],
)
def test_command_line_tables_show_data_as_text(rich_data: Path, arguments: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mappa_audit", arguments[0], str(rich_data), *arguments[1:]],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert result.returncode == 0, result.stderr
    assert RICH in result.stdout
    assert "\x1b]8;" not in result.stdout  # no terminal hyperlink
