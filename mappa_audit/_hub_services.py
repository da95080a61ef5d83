"""The hub's services: the two dashboards and the run reports, each signed in by the hub.

JupyterHub starts each as ``python -P .../mappa_audit/_hub_services.py board|auditor|reports
RUNS [--viewers N] [--left-page-seconds S]`` with its ``JUPYTERHUB_*`` settings in the
environment (``jupyterhub_config.py``):

- ``board`` and ``auditor``: ``serve``'s locked-down Voila (:func:`mappa_audit._serve.start_voila`
  and :mod:`mappa_audit._voila_main`) at ``/services/<name>/``, with the hub's OAuth in place
  of the token; the board's keeps ``--viewers`` kernels pre-heated (a whole board opening it
  at once) and sends each page with its first paint (:mod:`mappa_audit._first_paint`);
  a viewer's kernel is shut down ``--left-page-seconds`` after their page has gone;
- ``reports``: the HTML (and PDF) of the run folders at ``/services/reports/``; a board
  member sees the board-audience runs only, an auditor (scope
  ``custom:mappa:auditor-reports``) every run.

Each service stops when the hub that started it stops, even when the hub was killed.

The hub gives a service about ten seconds to answer on its port, or it stops (JupyterHub 5.5,
``JupyterHub.start_service``: 10 tries of 1 s), and on a busy machine importing mappa-audit
alone can take that long. So this file is run as a script, not with ``-m`` (which would
import the whole package first), imports nothing but the standard library at the top, and
binds and listens on the service's port before anything else: the hub's request waits in the
socket's queue until the service answers it (decisions.md 44).
"""

from __future__ import annotations

import html
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

if TYPE_CHECKING:
    from mappa_audit._privacy import Audience

AUDITOR_REPORTS_SCOPE = "custom:mappa:auditor-reports"
REPORT_FILES = ("audit_report.html", "disclosure_review.html", "board_paper.html",
                "board_paper.pdf")
"""What a run folder may show through the reports service; nothing else in it is served."""
REPORT_HEADERS = {
    # a report is shown in a sandbox of its own origin: its scripts (plotly) run, but cannot
    # reach the hub's cookies or APIs
    "Content-Security-Policy": "sandbox allow-scripts allow-popups; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _die_with_the_hub() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _service_address() -> tuple[str, int, str]:
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    return url.hostname or "127.0.0.1", url.port or 80, os.environ["JUPYTERHUB_SERVICE_PREFIX"]


def listen_now() -> socket.socket:
    """The service's port, bound and listening: from now on the hub's check waits, not fails."""
    host, port, _ = _service_address()
    listening = socket.create_server((host, port), backlog=128)
    listening.set_inheritable(False)
    return listening


def run_dashboard(audience: Audience, runs: Path, listening: socket.socket, *,
                  viewers: int, left_page_seconds: int) -> None:
    """A dashboard as a hub service, until the hub stops it."""
    from mappa_audit._serve import MAX_VIEWERS, start_voila

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for stopping in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(stopping, stop)
    host, port, prefix = _service_address()
    server = None
    try:
        board = audience.value == "board"
        server = start_voila(runs, audience, host=host, port=port, hub_prefix=prefix,
                             listening=listening, pool_size=viewers if board else 1,
                             first_paint=board, max_viewers=max(MAX_VIEWERS, viewers),
                             orphan_seconds=left_page_seconds)
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()


# ---- the reports ---------------------------------------------------------------------------

def reports_app(runs: Path, prefix: str) -> Any:
    """The reports service's tornado application."""
    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
    from tornado import web

    from mappa_audit._privacy import Audience
    from mappa_audit._serve import HUB_CHECK_SECONDS
    from mappa_audit._store import read_index

    # the one instance every handler uses (HubOAuthenticated asks the class for it)
    hub_auth = HubOAuth.instance(cache_max_age=HUB_CHECK_SECONDS)

    class Page(HubOAuthenticated, web.RequestHandler):  # type: ignore[misc]
        def set_default_headers(self) -> None:
            self.clear_header("Server")
            for name, value in REPORT_HEADERS.items():
                self.set_header(name, value)

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            words = {403: "You may not open this address.",
                     404: "There is nothing at this address."}
            self.finish(_page("MAPPA reports", words.get(status_code, "Something went wrong.")))

        def may_see_auditor_runs(self) -> bool:
            user = self.get_current_user()
            return bool(user and hub_auth.check_scopes({AUDITOR_REPORTS_SCOPE}, user))

        def visible_runs(self) -> list[dict[str, Any]]:
            everything = self.may_see_auditor_runs()
            return [run for run in read_index(runs)
                    if everything or run.get("audience") == Audience.BOARD.value]

    class Index(Page):
        @web.authenticated
        def get(self) -> None:
            rows = []
            for run in reversed(self.visible_runs()):
                folder = runs / run["folder"]
                links = " ".join(
                    f"<a href='{html.escape(quote(run['folder']))}/{name}'>"
                    f"{html.escape(name)}</a>"
                    for name in REPORT_FILES if (folder / name).is_file())
                rows.append(
                    "<tr>" + "".join(f"<td>{html.escape(str(run.get(key) or ''))}</td>" for key
                                     in ("start", "end", "area", "audience", "outcome"))
                    + f"<td>{links}</td></tr>")
            table = ("<table><tr><th>from</th><th>to</th><th>area</th><th>audience</th>"
                     "<th>outcome</th><th>reports</th></tr>" + "".join(rows) + "</table>")
            self.finish(_page("MAPPA run reports", "The reports of each recorded run, newest "
                              "first.", table if rows else "<p>There is no run yet.</p>"))

    class Report(Page):
        @web.authenticated
        def get(self, folder: str, name: str) -> None:
            known = {run["folder"] for run in self.visible_runs()}
            if folder not in known or name not in REPORT_FILES:
                raise web.HTTPError(404)
            path = runs / folder / name
            if not path.is_file():
                raise web.HTTPError(404)
            self.set_header("Content-Type", "application/pdf" if name.endswith(".pdf")
                            else "text/html; charset=UTF-8")
            self.finish(path.read_bytes())

    return web.Application(
        [
            (prefix, Index),
            (prefix + "oauth_callback", HubOAuthCallbackHandler),
            (prefix + r"([^/]+)/([^/]+)", Report),
        ],
        cookie_secret=os.urandom(32),
    )


def _page(title: str, sentence: str, body: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head>"
            f"<body style='font:16px system-ui,sans-serif;margin:2em'><main>"
            f"<h1 style='font-size:22px'>{html.escape(title)}</h1><p>{html.escape(sentence)}"
            f"</p>{body}</main></body></html>")


def run_reports(runs: Path, listening: socket.socket) -> None:
    """The reports service, until the hub stops it."""
    import asyncio

    from tornado.httpserver import HTTPServer

    _, _, prefix = _service_address()
    app = reports_app(runs, prefix)

    async def serve() -> None:
        listening.setblocking(False)
        HTTPServer(app).add_sockets([listening])
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()

    asyncio.run(serve())


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -P _hub_services.py")
    parser.add_argument("what", choices=("board", "auditor", "reports"))
    parser.add_argument("runs", type=Path)
    parser.add_argument("--viewers", type=int, default=1,
                        help="pre-heated kernels of the board dashboard")
    parser.add_argument("--left-page-seconds", type=int, default=60,
                        help="a viewer's kernel is shut down this long after their page left")
    words = parser.parse_args(sys.argv[1:] if argv is None else argv)
    _die_with_the_hub()
    listening = listen_now()
    if words.what == "reports":
        run_reports(words.runs, listening)
    else:
        from mappa_audit._privacy import Audience

        run_dashboard(Audience(words.what), words.runs, listening, viewers=words.viewers,
                      left_page_seconds=words.left_page_seconds)


if __name__ == "__main__":
    main()
