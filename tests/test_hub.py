"""``mappa-audit hub``: a real JupyterHub, the real configurable-http-proxy and real Chromium.

One hub for the module, started as a user starts it (``hub init``, ``hub user add``,
``hub start``) on the session's sample runs; each test signs in in a browser context of its
own, and the last one stops it with SIGTERM. Two more hubs are killed (SIGKILL) and stopped
with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import polars as pl
import pytest
from playwright.sync_api import Browser, Page
from test_dashboards import assert_no_case_level_text, shown_population, shown_rate, tiles

from mappa_audit._contract import FREE_TEXT_COLUMNS
from mappa_audit._hub_services import REPORT_FILES
from mappa_audit._serve import free_port

from _support import SAMPLE, SampleRuns, mappa

pytestmark = pytest.mark.slow

WAIT_MS = 90_000
PASSWORDS = {"board.member": "board-member-password", "auditor": "auditor-password-1",
             "locked.out": "locked-out-password"}
GROUPS = {"board.member": "board", "auditor": "auditors", "locked.out": "board"}


@dataclass
class Hub:
    url: str
    port: int
    state: Path
    process: subprocess.Popen[bytes]


def hub_start(state: Path) -> subprocess.Popen[bytes]:
    """``mappa-audit hub start``, its log (the hub's, the services') beside the deployment.

    The deployment is named relative to the working folder, as scripts/demo.sh names it."""
    with (state.parent / "hub.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "mappa_audit", "hub", "start", state.name],
                                cwd=state.parent, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=as_in_a_terminal)  # noqa: PLW1509 (these tests run no thread)


def as_in_a_terminal() -> None:
    """Ctrl-C reaches ``hub start`` as it does in a terminal, even when these tests run in
    the background: a shell without job control (a script, CI) starts ``cmd &`` with
    SIGINT ignored, which its children inherit, and ``hub start`` then leaves it ignored
    (docs/decisions.md 54)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def make_deployment(folder: Path, runs: Path, *,
                    accounts: dict[str, tuple[str, str]] | None = None) -> tuple[Path, int]:
    """``hub init`` into ``folder/state`` on a free port, then ``hub user add`` of each of
    ``accounts`` (name: group and password; ``None``: this module's three)."""
    port = free_port()
    state = folder / "state"
    # two pre-heated board kernels, not a board meeting's 20 (test_hub_viewers.py)
    result = mappa("hub", "init", state, "--runs", runs, "--port", str(port), "--viewers", "2")
    assert result.returncode == 0, result.stderr
    if accounts is None:
        accounts = {name: (GROUPS[name], password) for name, password in PASSWORDS.items()}
    for name, (group, password) in accounts.items():
        added = subprocess.run(
            [sys.executable, "-m", "mappa_audit", "hub", "user", "add", state, name,
             "--group", group, "--password-stdin"],
            input=password + "\n", capture_output=True, text=True, check=False)
        assert added.returncode == 0, added.stderr
    return state, port


@contextlib.contextmanager
def running(state: Path, port: int) -> Iterator[Hub]:
    """``hub start`` of the deployment, once every service answers; SIGTERM at the end
    (nothing if a test has stopped it already)."""
    process = hub_start(state)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_hub(url, process)
        yield Hub(url, port, state, process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)


def wait_for_hub(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Until the last service (reports) has its route: then every service has."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "hub start stopped"
        try:
            with urllib.request.urlopen(url + "services/reports/", timeout=5):
                return
        except urllib.error.HTTPError as error:
            if error.code in (200, 302, 403):
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail("the hub did not start in time")


@pytest.fixture(scope="module")
def hub(sample_runs: SampleRuns, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running(*make_deployment(tmp_path_factory.mktemp("hub"), sample_runs.folder)) as hub:
        yield hub


def sign_in(page: Page, hub: Hub, name: str, path: str, password: str | None = None) -> None:
    page.goto(hub.url + path.lstrip("/"))
    assert "/hub/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password or PASSWORDS[name])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def status_of(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return response.status


def test_anonymous_gets_the_login_page(hub: Hub, browser: Browser) -> None:
    page = browser.new_page()
    for path in ("services/board/", "services/auditor/", "services/reports/", "hub/admin"):
        page.goto(hub.url + path)
        assert "/hub/login" in page.url, path
        assert page.locator("input[name=password]").is_visible()
    page.close()


def test_a_board_member_sees_the_board_dashboard_and_nothing_else(
        hub: Hub, browser: Browser, sample_runs: SampleRuns) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, "board.member", "services/board/")
    page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
    assert page.url.startswith(hub.url + "services/board/")
    results = json.loads((sample_runs.board / "results.json").read_text())
    on_page = tiles(page)
    assert sorted(on_page) == sorted(rule["rule_id"] for rule in results["rules"])
    for rule in results["rules"]:
        assert on_page[rule["rule_id"]]["rate"] == shown_rate(rule["rate"], rule["population"])
        assert on_page[rule["rule_id"]]["population"] == shown_population(
            rule["population"], rule.get("withheld", ()))
    assert_no_case_level_text(page)

    # refused: the auditor dashboard, the admin page and API, a server of their own
    assert status_of(page, hub.url + "services/auditor/") == 403
    assert status_of(page, hub.url + "hub/admin") == 403
    assert status_of(page, hub.url + "hub/api/users") == 403
    assert status_of(page, hub.url + "hub/api/users/auditor") in (403, 404)
    assert status_of(page, hub.url + "hub/spawn") == 403
    assert status_of(page, hub.url + "user/board.member/") in (403, 404)
    assert status_of(page, hub.url + "user/auditor/") in (403, 404)
    xsrf = next(c["value"] for c in context.cookies() if c["name"] == "_xsrf")
    started = page.request.post(hub.url + "hub/api/users/board.member/server",
                                headers={"X-XSRFToken": xsrf})
    assert started.status == 403

    # the reports: board runs listed and opened; auditor runs neither listed nor opened
    page.goto(hub.url + "services/reports/")
    index = page.inner_text("body")
    assert "board" in index
    assert "auditor" not in index
    board_report = f"services/reports/{sample_runs.board.name}/audit_report.html"
    assert status_of(page, hub.url + board_report) == 200
    for run in sample_runs.auditor:
        assert status_of(page, f"{hub.url}services/reports/{run.name}/audit_report.html") == 404
    assert status_of(page, hub.url + "services/reports/..%2F..%2Fetc/passwd") == 404
    context.close()


def test_a_board_member_cannot_run_code_on_the_dashboards_kernel(
        hub: Hub, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, "board.member", "services/board/")
    page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    witness = tmp_path / "ran"
    code = f"open({str(witness)!r}, 'w').write('x')"
    answer = page.evaluate(
        """([url, code]) => new Promise((resolve) => {
            const socket = new WebSocket(url);
            const id = 'attack-' + Math.random();
            socket.onopen = () => socket.send(JSON.stringify({
                channel: 'shell', buffers: [], metadata: {}, parent_header: {},
                header: {msg_id: id, msg_type: 'execute_request', username: 'x',
                         session: 'x', version: '5.3', date: new Date().toISOString()},
                content: {code: code, silent: false, store_history: false,
                          user_expressions: {}, allow_stdin: false, stop_on_error: true}}));
            socket.onmessage = (event) => {
                if (typeof event.data === 'string' && event.data.includes(id)
                        && event.data.includes('execute_reply')) resolve('replied');
            };
            socket.onerror = () => resolve('error');
            setTimeout(() => resolve('no reply'), 8000);
        })""",
        [f"ws://127.0.0.1:{hub.port}/services/board/api/kernels/{kernel_id}/channels", code])
    assert answer == "no reply"
    assert not witness.exists()
    context.close()


CASE_LEVEL = re.compile(r"SYN-[A-Z]\d{7}|SYNTHETIC TEST DATA")
"""A record id of the sample data (case, meeting, disclosure…), or the marker its free text
starts with."""
RAW_DATA_SUFFIXES = (".csv", ".parquet", ".xlsx", ".xls", ".ipynb", ".json", ".feather",
                     ".arrow", ".sqlite")
RAW_DATA_TYPES = ("text/csv", "spreadsheet", "ms-excel", "parquet", "ipynb", "octet-stream")
LINKS = re.compile(r"""(?:href|src|download|action|data-src)\s*=\s*["']([^"'<>]+)["']""")
CRAWL_LIMIT = 300


def free_texts() -> set[str]:
    """Every value of the sample data's free-text columns."""
    texts: set[str] = set()
    for table, columns in FREE_TEXT_COLUMNS.items():
        frame = pl.read_csv(SAMPLE / f"{table}.csv", infer_schema=False)
        for column in columns:
            texts |= set(frame[column].drop_nulls())
    return texts


def case_level_in(text: str, texts: set[str]) -> list[str]:
    found = CASE_LEVEL.findall(text)
    return found + [free for free in texts if free in text]


def test_a_crawl_as_a_board_member_finds_no_case_level_data(
        hub: Hub, browser: Browser, sample_runs: SampleRuns) -> None:
    """Every address reachable from the board's two services (links, sources, downloads),
    breadth first: none holds a case id or free text, or is a raw data file; and the files
    of the run folders that are not reports, and every auditor run, are refused."""
    texts = free_texts()
    # the scan finds what it looks for: an auditor report holds case ids
    auditor_report = sample_runs.auditor[0] / "audit_report.html"
    assert case_level_in(auditor_report.read_text(encoding="utf-8"), texts)
    context = browser.new_context()
    page = context.new_page()
    frames: list[str] = []  # what the dashboard's kernel sent the page
    page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda frame: frames.append(
            frame if isinstance(frame, str) else frame.decode("utf-8", "replace"))))
    sign_in(page, hub, "board.member", "services/board/")
    page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
    page.goto(hub.url + "services/reports/")  # its own sign-in (OAuth) in the browser, once
    assert "MAPPA run reports" in page.content()

    origin = hub.url.rstrip("/")
    queue = [hub.url + "services/board/", hub.url + "services/reports/"]
    seen = set(queue)
    leaks: dict[str, list[str]] = {}
    raw_files: list[str] = []
    while queue:
        url = queue.pop(0)
        if url.startswith(hub.url + "services/board/") and url.rstrip("/").endswith("board"):
            page.goto(url)  # the dashboard draws itself: read it as the browser shows it
            page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
            body = page.content() + "".join(frame.content() for frame in page.frames)
            links = page.eval_on_selector_all(
                "[href], [src], [download], [action]",
                "els => els.flatMap(e => ['href', 'src', 'action'].map(a => e.getAttribute(a)))"
                ".filter(Boolean)")
        else:
            response = page.request.get(url)
            kind = response.headers.get("content-type", "")
            body = response.body().decode("utf-8", "replace")
            links = LINKS.findall(body) if "html" in kind else []
            path = urlsplit(url).path.lower()
            if response.ok and (path.endswith(RAW_DATA_SUFFIXES)
                                or any(raw in kind for raw in RAW_DATA_TYPES)):
                raw_files.append(f"{url} ({kind})")
        if found := case_level_in(body, texts):
            leaks[url] = found[:3]
        for link in links:
            if link.startswith("data:"):  # a prepared download: its bytes are in the link
                media, _, data = link[5:].partition(",")
                content = (base64.b64decode(data).decode("utf-8", "replace")
                           if media.endswith(";base64") else unquote(data))
                if found := case_level_in(content, texts):
                    leaks[f"{url} -> {link[:40]}"] = found[:3]
                continue
            target = urljoin(url, html.unescape(link)).split("#")[0]
            if (target.startswith(origin + "/") and target not in seen
                    and "logout" not in target and len(seen) < CRAWL_LIMIT):
                seen.add(target)
                queue.append(target)
    for frame in frames:
        if found := case_level_in(frame, texts):
            leaks["the dashboard's kernel socket"] = found[:3]
    assert leaks == {}
    assert raw_files == []
    assert len(seen) > 10, seen  # it did crawl: the dashboard's scripts, the reports
    board_reports = [url for url in seen if sample_runs.board.name in url]
    assert board_reports, sorted(seen)  # the crawl reached the board run's reports
    assert len(seen) < CRAWL_LIMIT, "raise the limit: the crawl did not reach the end"

    # the files beside the reports (results, parquet, notebooks, manifest) are not served,
    # and no file of an auditor run is, whatever its name
    for run in [sample_runs.board, *sample_runs.auditor]:
        for file in run.iterdir():
            url = f"{hub.url}services/reports/{run.name}/{file.name}"
            served = file.name in REPORT_FILES and run == sample_runs.board
            assert (page.request.get(url).status == 200) == served, url
            assert not (run != sample_runs.board and url in seen), url
    context.close()


def test_an_auditor_opens_both_dashboards_and_every_report(
        hub: Hub, browser: Browser, sample_runs: SampleRuns) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, "auditor", "services/auditor/")
    assert page.url.startswith(hub.url + "services/auditor/")
    page.wait_for_selector(".mappa-status", timeout=WAIT_MS)
    page.goto(hub.url + "services/board/")
    page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
    page.goto(hub.url + "services/reports/")
    assert "auditor" in page.inner_text("body")
    for run in sample_runs.auditor:
        assert status_of(page, f"{hub.url}services/reports/{run.name}/audit_report.html") == 200
    assert status_of(page, hub.url + "hub/admin") == 403
    context.close()


def test_an_auditor_runs_the_audit_notebook_in_jupyterlab_and_a_board_member_cannot(
        hub: Hub, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, "auditor", "hub/spawn")
    page.wait_for_url(f"{hub.url}user/auditor/lab**", timeout=WAIT_MS)
    page.wait_for_selector(".jp-LabShell", timeout=WAIT_MS)  # JupyterLab itself, not a message
    listing = page.request.get(hub.url + "user/auditor/api/contents")
    assert listing.status == 200
    names = {item["name"] for item in listing.json()["content"]}
    assert {"audit_report.ipynb", "disclosure_review.ipynb"} <= names

    # the audit notebook, opened and run as an auditor runs it: Run > Run All Cells, then save
    page.goto(hub.url + "user/auditor/lab/tree/audit_report.ipynb?reset")  # no other tabs
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=WAIT_MS)
    # its kernel first: Run All before it is up asks which kernel to start, and waits
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=WAIT_MS)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(  # every code cell has run: its prompt holds a number, not * or blank
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0
                && prompts.every((p) => /^\\[\\d+\\]:?$/.test(p.textContent.trim()));
        }""", timeout=3 * WAIT_MS)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click()
    notebook = saved_notebook(page, hub.url + "user/auditor/api/contents/audit_report.ipynb")
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert len(code_cells) > 10
    errors = [output for cell in code_cells for output in cell["outputs"]
              if output["output_type"] == "error"]
    assert errors == []
    shown = " ".join(json.dumps(cell["outputs"]) for cell in code_cells)
    assert "TML-01" in shown  # the report itself, not an empty run
    # stop it (JupyterLab is heavy for the tests after this one on two cores), with the
    # hub's XSRF cookie, not JupyterLab's (both are called _xsrf)
    xsrf = next(c["value"] for c in context.cookies()
                if c["name"] == "_xsrf" and c["path"].startswith("/hub"))
    stopped = page.request.delete(hub.url + "hub/api/users/auditor/server",
                                  headers={"X-XSRFToken": xsrf})
    assert stopped.status in (202, 204)
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, "board.member", "hub/spawn")
    assert status_of(page, hub.url + "hub/spawn") == 403
    assert status_of(page, hub.url + "user/board.member/lab") in (403, 404)
    assert page.locator(".jp-LabShell").count() == 0
    context.close()


def saved_notebook(page: Page, url: str, timeout: float = 180) -> dict[str, Any]:
    """The notebook as JupyterLab saved it (Ctrl+S, again until it holds them), once every
    code cell has run: JupyterLab draws only the cells on screen, so the numbered prompts
    seen may be there before the last cells below have run."""
    deadline = time.monotonic() + timeout
    while True:
        page.keyboard.press("Control+s")
        time.sleep(2)
        # asked while JupyterLab is still saving it, the server may answer with an error
        answer = page.request.get(url)
        notebook: dict[str, Any] = (answer.json().get("content") or {}) if answer.ok else {}
        if notebook and all(cell["execution_count"] for cell in notebook["cells"]
                            if cell["cell_type"] == "code"):
            return notebook
        assert time.monotonic() < deadline, (
            f"the run notebook was not saved: {answer.status} {answer.text()[:300]}")


def test_five_wrong_passwords_lock_the_account(hub: Hub, browser: Browser) -> None:
    page = browser.new_page()
    for _ in range(5):
        sign_in(page, hub, "locked.out", "hub/home", password="not-the-password")
        assert "/hub/login" in page.url
    sign_in(page, hub, "locked.out", "hub/home")  # the right password, too late
    assert "/hub/login" in page.url
    assert status_of(page, hub.url + "services/board/") == 200
    assert "/hub/login" in page.url
    page.close()


def test_after_signing_out_the_old_cookies_open_nothing(hub: Hub, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, "board.member", "services/reports/")
    assert page.url == hub.url + "services/reports/"
    cookies = context.cookies()
    page.goto(hub.url + "hub/logout")
    context.close()
    time.sleep(6)  # the services trust the hub's word for 5 s (HUB_CHECK_SECONDS)
    stale = browser.new_context()
    stale.add_cookies(cookies)  # type: ignore[arg-type]
    page = stale.new_page()
    for path in ("services/reports/", "services/board/", "hub/home"):
        page.goto(hub.url + path)
        assert "/hub/login" in page.url, path
    stale.close()


def test_sigterm_of_hub_start_leaves_nothing_and_frees_the_port(hub: Hub) -> None:
    """``hub start`` stops the hub, then whatever is left below it.

    It stops the module's hub: keep it the last test that uses ``hub`` (pytest runs a
    module's tests in the order they are written)."""
    assert_stopping_leaves_nothing(hub.process, hub.port, signal.SIGTERM)


def test_killing_or_ctrl_c_of_hub_start_leaves_nothing_and_frees_the_port(
        sample_runs: SampleRuns, tmp_path: Path) -> None:
    """Two more hubs, started side by side (each start is mostly waiting): one killed, one
    stopped with Ctrl-C."""
    stoppings = (
        # the hub start can do nothing: the hub, the proxy, the services and Voila each die
        # with their parent
        signal.SIGKILL,
        # Ctrl-C in the terminal that runs it: hub start stops the hub, as on SIGTERM
        signal.SIGINT,
    )
    hubs = []
    for stopping in stoppings:
        folder = tmp_path / stopping.name
        folder.mkdir()
        state, port = make_deployment(folder, sample_runs.folder, accounts={})
        hubs.append((hub_start(state), port, stopping))
    try:
        for process, port, _ in hubs:
            wait_for_hub(f"http://127.0.0.1:{port}/", process)
        for process, port, stopping in hubs:
            assert_stopping_leaves_nothing(process, port, stopping)
    finally:
        for process, _, _ in hubs:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=90)


def assert_stopping_leaves_nothing(
        process: subprocess.Popen[bytes], port: int, stopping: signal.Signals) -> None:
    ours = descendants(process.pid)
    names = {command(pid) for pid in ours}
    assert len(ours) >= 6, names  # the hub, the proxy, three services, Voila (and kernels)
    assert any("configurable-http-proxy" in name for name in names), names
    process.send_signal(stopping)
    process.wait(timeout=90)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and alive(ours):
        time.sleep(0.2)
    assert {command(pid) for pid in alive(ours)} == set()
    with socket.socket() as probe:  # nothing listens (connections closing may linger)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return f"{pid} (gone)"


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = {int(word) for word in children.read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        status = Path(f"/proc/{pid}/status")
        if status.exists() and "zombie" not in status.read_text():
            living.add(pid)
    return living
