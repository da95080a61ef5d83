"""Voila as ``mappa-audit serve`` runs it: Voila's own application, hardened, with one repair.

Each defence below answers an attack tried on the plain Voila that ``serve`` used to start
(``docs/security.md`` names the threat, the defence and its test):

- **the pre-heated kernel's query socket** (``/voila/query/<kernel id>``) answers only a
  kernel of this server, which proves it with a secret that only the Voila process and its
  kernels hold (``MAPPA_KERNEL_SECRET``, never on a command line); it carries no request
  details (no query string, so no token), one socket per kernel, and nothing is kept for a
  kernel that has gone;
- **the token leaves the address** as soon as it has been exchanged for a cookie: the page
  moves on to the same address without it, so it is not in the history, in the request a
  kernel hears of, or in the next pre-heated kernel's environment;
- **what a viewer can cost is bounded**: at most ``max_viewers`` viewers' kernels (a
  further viewer gets a page saying so; the pre-heated kernel comes on top); the kernel of
  a page request dropped half-way is shut down at once, that of a page that has left after
  ``orphan_seconds``, and that of a page that never connected after
  ``unclaimed_seconds``; a page may open only the widget manager's own comm, a few times,
  and send no message over ``max_message_bytes``;
- **headers on every response**, static files and error pages included: a
  Content-Security-Policy (a fresh nonce for the dashboard page's own scripts; none at all
  for any other response), ``nosniff``, ``no-referrer``, no framing, no ``Server`` banner;
- **nothing of the server's inside reaches a browser**: error pages are one sentence,
  kernel ``error`` messages (tracebacks) are never forwarded, the password form cannot set a
  password, and failed sign-ins are throttled.

The repair: with several board members opening the dashboard at the same moment on a small
machine, a kernel's reply could sit unread in its socket: the wake-up of pyzmq's asyncio poll
was missed, and Voila's server-side run of the notebook waited for that reply for ever,
leaving the viewer on "Running…" (seen with Voila 0.5.13, jupyter_client 8.10, pyzmq 26 and
27, ipykernel 6 and 7). Polling again every half second reads a reply that is already there.

Everything here reaches into Voila 0.5 and jupyter_server 2; ``pyproject.toml`` pins the
versions it was written and tested against.
"""

from __future__ import annotations

import contextlib
import ctypes
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import time
from collections import deque
from pathlib import Path
from queue import Empty
from typing import Any, ClassVar
from urllib.parse import urlencode

from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.logout import LogoutHandler
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.websocket import WebSocketClosedError
from traitlets import Bool, Float, Int
from voila.app import Voila  # type: ignore[import-untyped]
from voila.request_info_handler import RequestInfoSocketHandler  # type: ignore[import-untyped]
from voila.tornado.handler import TornadoVoilaHandler  # type: ignore[import-untyped]
from voila.tornado.kernel_websocket_handler import (  # type: ignore[import-untyped]
    VoilaKernelWebsocketHandler,
)
from voila.voila_identity_provider import VoilaLoginHandler  # type: ignore[import-untyped]

from mappa_audit._first_paint import MARKER, FirstPaints
from mappa_audit._render import render
from mappa_audit._serve import (
    KERNEL_SECRET_ENV,
    KERNEL_SECRET_HEADER,
    LISTEN_FD_ENV,
    PRIVATE_FOLDER_ENV,
    SERVE_PID_ENV,
)

REPOLL_SECONDS = 0.5

_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    # plotly and the widgets set inline styles; styles cannot run code
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(nonce: str | None = None) -> str:
    """The Content-Security-Policy: scripts from this server only (and, on the dashboard
    page, its own inline scripts, which carry ``nonce``).

    Examples
    --------
    >>> "script-src 'self';" in content_security_policy()
    True
    >>> "script-src 'self' 'nonce-abc';" in content_security_policy("abc")
    True
    """
    policy = dict(_POLICY)
    if nonce is not None:
        policy["script-src"] += f" 'nonce-{nonce}'"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Sent with every response of the server, whatever its handler."""


# ---- every response ------------------------------------------------------------------------

_tornado_clear = web.RequestHandler.clear


def _clear_with_our_headers(self: web.RequestHandler) -> None:
    """``RequestHandler.clear`` (run before every response and every error page), then our
    headers, and no ``Server`` banner."""
    _tornado_clear(self)
    self._headers.pop("Server", None)
    for name, value in SECURITY_HEADERS.items():
        self.set_header(name, value)


def _error_page(self: web.RequestHandler, status_code: int, **_: Any) -> None:
    """One sentence for any error: no exception text, no traceback, no server template."""
    words = {403: "You may not open this address.", 404: "There is nothing at this address.",
             429: "Too many attempts. Wait a few minutes and try again.",
             503: "The dashboard is busy. Try again in a minute."}
    sentence = words.get(status_code, "Something went wrong. Try again, or ask the MAPPA "
                                      "co-ordinator.")
    self.set_header("Content-Type", "text/html; charset=UTF-8")
    self.finish(_page("MAPPA dashboard", sentence))


def _page(title: str, sentence: str, refresh_to: str | None = None) -> str:
    """A page of one sentence; with ``refresh_to``, one that moves on to that address."""
    return render("page.html.j2", title=title, sentence=sentence, refresh_to=refresh_to)


# ---- the dashboard page --------------------------------------------------------------------

class DashboardPage(TornadoVoilaHandler):  # type: ignore[misc]
    """The dashboard: the token moves to a cookie, a viewer cap, a nonce for its scripts."""

    @web.authenticated
    async def get(self, path: str | None = None) -> None:
        if "token" in self.request.query_arguments:
            self._forget_the_token()
            return
        app: MappaVoila = self.settings["mappa_voila"]
        if app.viewers_at_most_now():
            self.set_status(503)
            self.set_header("Retry-After", "60")
            self.finish(_page("MAPPA dashboard", f"The dashboard has as many viewers as it "
                              f"may hold ({app.max_viewers}). Try again in a minute."))
            return
        nonce = secrets.token_urlsafe(18)
        self.set_header("Content-Security-Policy", content_security_policy(nonce))
        self._kernel_id: str | None = None
        async for snippet in self.get_generator(path=path):
            if self._kernel_id is None and (found := _KERNEL_ID.search(snippet)):
                self._kernel_id = found.group(1)
            if self.request.connection.stream.closed():
                if self._kernel_id is not None:
                    break  # the viewer has gone: see on_connection_close
                continue  # render on until the kernel is known, so that it can be shut down
            # the first paint (HTML of our templates, no script) where the template marks it
            part = (snippet.replace(MARKER, app.first_paint_html(), 1) if MARKER in snippet
                    else snippet)
            # Only the template writes <script>: the notebook's outputs are JSON in which
            # "<" is escaped, so this marks the page's own scripts and nothing else.
            self.write(part.replace("<script", f"<script nonce=\"{nonce}\""))
            self.flush()
        self._shut_down_if_dropped()
        self._page_sent = True

    def on_connection_close(self) -> None:
        super().on_connection_close()
        self._shut_down_if_dropped()

    def _shut_down_if_dropped(self) -> None:
        """A page request dropped half-way: its kernel will never have a viewer."""
        kernel_id = getattr(self, "_kernel_id", None)
        if (kernel_id is not None and not getattr(self, "_page_sent", False)
                and self.request.connection.stream.closed()):
            self.settings["mappa_voila"].shut_down_soon(kernel_id, "its page request was "
                                                        "dropped")

    def _forget_the_token(self) -> None:
        """The identity provider has set the cookie: go on to the address without the token.

        A page that moves itself on (not a redirect) keeps the navigation same-site, so that
        the SameSite=Strict cookie goes with it even when the link was opened from elsewhere.
        """
        query = urlencode([(name, value) for name, values in self.request.query_arguments.items()
                           if name != "token" for value in values])
        # one leading slash: "//elsewhere/?token=…" must not move the viewer to another site
        target = "/" + self.request.path.lstrip("/") + (f"?{query}" if query else "")
        self.clear_header("Access-Control-Allow-Origin")
        self.finish(_page("MAPPA dashboard", "Opening the dashboard…", refresh_to=target))


class KernelQuerySocket(RequestInfoSocketHandler):  # type: ignore[misc]
    """Voila's "your viewer has come" socket, for this server's own kernels only."""

    async def get(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        offered = self.request.headers.get(KERNEL_SECRET_HEADER, "")
        if not hmac.compare_digest(offered.encode(), _kernel_secret().encode()):
            raise web.HTTPError(403)
        if (kernel_id not in self.kernel_manager.list_kernel_ids()
                or kernel_id in RequestInfoSocketHandler._waiters):
            raise web.HTTPError(403)
        await super().get(kernel_id, *args, **kwargs)

    @property
    def kernel_manager(self) -> Any:
        return self.settings["kernel_manager"]

    def open(self, kernel_id: str) -> None:
        RequestInfoSocketHandler._waiters[kernel_id] = self
        if RequestInfoSocketHandler._cache.pop(kernel_id, None) is not None:
            self.write_message(_VIEWER_HAS_COME)

    def on_close(self) -> None:
        for kernel_id, waiter in list(RequestInfoSocketHandler._waiters.items()):
            if waiter is self:
                del RequestInfoSocketHandler._waiters[kernel_id]


_KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')
"""The kernel's id in the page (Voila's page configuration, as ``tojson`` writes it)."""

_VIEWER_HAS_COME: dict[str, str] = {}
"""What a pre-heated kernel is told: only that its viewer has come, no request details."""


@classmethod  # type: ignore[misc]
def _send_viewer_has_come(cls: type[RequestInfoSocketHandler], message: dict[str, Any]) -> None:
    """``RequestInfoSocketHandler.send_updates`` without the request's details (its query
    string held the token): the waiting kernel hears only that its viewer has come."""
    kernel_id = message["kernel_id"]
    waiter = cls._waiters.get(kernel_id)
    if waiter is not None:
        # a kernel whose socket has just closed must not break its viewer's page
        with contextlib.suppress(WebSocketClosedError, OSError):
            waiter.write_message(_VIEWER_HAS_COME)
    else:
        cls._cache[kernel_id] = _VIEWER_HAS_COME


class KernelSocket(VoilaKernelWebsocketHandler):  # type: ignore[misc]
    """The page's socket to its kernel: widget messages only, no code, no tracebacks out."""

    ALLOWED_MESSAGE_TYPES = frozenset({
        "comm_open", "comm_msg", "comm_close", "comm_info_request", "kernel_info_request"})
    """What a dashboard page sends its kernel (Voila runs the notebook on the server): an
    ``execute_request`` from a viewer would run code as the server's user."""
    ALLOWED_COMM_TARGETS = frozenset({"jupyter.widget.control"})
    MAX_COMM_OPENS = 4

    def open(self, kernel_id: str) -> Any:
        self._comm_opens = 0
        self.settings["mappa_voila"].claimed.add(kernel_id)  # a page has connected to it
        return super().open(kernel_id)

    def on_message(self, message: str | bytes) -> None:
        header, content = _parts(message)
        if header.get("msg_type") not in self.ALLOWED_MESSAGE_TYPES:
            self.log.warning("refused a %r message from a page",
                             str(header.get("msg_type", "unreadable"))[:40])
            return
        if header.get("msg_type") == "comm_open":
            target = str(content.get("target_name", ""))
            self._comm_opens += 1
            if target not in self.ALLOWED_COMM_TARGETS or self._comm_opens > self.MAX_COMM_OPENS:
                self.log.warning("refused a comm_open from a page (target %r, open number %d)",
                                 target[:40], self._comm_opens)
                return
        super().on_message(message)

    def write_message(self, message: bytes | dict[str, Any], binary: bool = False) -> Any:
        header, _ = _parts(message)
        if header.get("msg_type") == "error":
            return None  # an exception's name, value and traceback stay on the server
        return super().write_message(message, binary)


_MAX_PARTS = 1024
"""More offsets than a kernel message has (channel, header, parent, metadata, content and
its buffers): a larger count is not a message, and must not make a list that size."""


def _parts(message: str | bytes | dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A kernel message's header and content, in either websocket protocol ({} if unreadable).

    Examples
    --------
    >>> _parts('{"header": {"msg_type": "comm_open"}, "content": {"target_name": "x"}}')
    ({'msg_type': 'comm_open'}, {'target_name': 'x'})
    >>> _parts(b"not a message")
    ({}, {})
    >>> _parts((2**60).to_bytes(8, "little") + bytes(16))  # a page claiming 2**60 parts
    ({}, {})
    """
    try:
        if isinstance(message, dict):
            return dict(message.get("header") or {}), dict(message.get("content") or {})
        if isinstance(message, str):
            parsed = json.loads(message)
            return dict(parsed.get("header") or {}), dict(parsed.get("content") or {})
        # v1.kernel.websocket.jupyter.org: offsets, then channel, header, parent, metadata,
        # content, buffers
        count = int.from_bytes(message[:8], "little")
        if not 0 < count <= _MAX_PARTS or 8 * (count + 1) > len(message):
            return {}, {}  # not a message of that protocol: its offsets would lead nowhere
        offsets = [int.from_bytes(message[8 * (i + 1):8 * (i + 2)], "little")
                   for i in range(count)] + [len(message)]
        header = json.loads(message[offsets[1]:offsets[2]])
        content = json.loads(message[offsets[4]:offsets[5]]) if count > 4 else {}
        return dict(header), dict(content)
    except (ValueError, TypeError, AttributeError, IndexError):
        return {}, {}


class ThrottledLogin(VoilaLoginHandler):  # type: ignore[misc]
    """The sign-in form: a few wrong tries per address, then a wait; no password setting."""

    WINDOW_SECONDS = 300
    MAX_FAILURES = 5
    _failures: ClassVar[dict[str, deque[float]]] = {}

    @allow_unauthenticated
    def post(self) -> None:
        failures = self._failures.setdefault(self.request.remote_ip or "", deque())
        now = time.monotonic()
        while failures and now - failures[0] > self.WINDOW_SECONDS:
            failures.popleft()
        if len(failures) >= self.MAX_FAILURES:
            raise web.HTTPError(429)
        if self.get_argument("new_password", ""):
            raise web.HTTPError(403)
        user = self.identity_provider.process_login_form(self)
        if user is None:
            failures.append(now)
            self.set_status(401)
            self._render(message={"error": "Invalid credentials"})
            return
        failures.clear()
        self.identity_provider.set_login_cookie(self, user)
        self._redirect_safe(self.get_argument("next", default=self.base_url))


class PlainLogout(LogoutHandler):
    """Sign out: the cookie is cleared and a sentence says so (Voila's would answer 500)."""

    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        self.finish(_page("Signed out", "You have signed out of the MAPPA dashboard. Open "
                                        "the address you were given to come back."))


# ---- the application -----------------------------------------------------------------------

# ---- behind JupyterHub ---------------------------------------------------------------------

HUB_ENV_PREFIX = "JUPYTERHUB_"


def hub_identity_provider_class() -> type[Any]:
    """JupyterHub's own identity provider for Jupyter servers (OAuth with the hub, the
    service's access scope checked on every request), fitted to standalone Voila.

    Imported only behind a hub: ``serve`` never loads JupyterHub.
    """
    from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
    from jupyterhub.utils import url_path_join

    class HubIdentity(JupyterHubIdentityProvider):  # type: ignore[misc]
        """Sign-in is the hub's: no token, no password form; the hub's OAuth callback and
        sign-out under the service's prefix (standalone Voila does not prefix them)."""

        def __init__(self, **kwargs: Any) -> None:
            kwargs.pop("token", None)  # the hub's api token is this provider's "token"
            kwargs.pop("login_handler_class", None)
            super().__init__(**kwargs)

        def get_handlers(self) -> list[tuple[Any, ...]]:
            prefix = self.parent.server_url
            return [(url_path_join(prefix, pattern), *rest)
                    for pattern, *rest in super().get_handlers()]

    return HubIdentity


def _keep_hub_secrets_from_kernels(identity: Any) -> None:
    """Read every setting the hub gave in the environment now, then take it out of the
    environment, which every kernel inherits: a dashboard kernel never holds the service's
    hub token."""
    hub_auth = identity.hub_auth
    for name in hub_auth.trait_names():
        with contextlib.suppress(Exception):  # a trait that cannot be computed stays unset
            getattr(hub_auth, name)
    for name in [name for name in os.environ if name.startswith(HUB_ENV_PREFIX)]:
        del os.environ[name]


class MappaVoila(Voila):  # type: ignore[misc]
    """Voila with the defences of this module."""

    behind_hub = Bool(False, config=True, help=(
        "Sign viewers in through JupyterHub (a hub-managed service, JUPYTERHUB_* in the "
        "environment) instead of the token and password form."))

    max_viewers = Int(25, config=True, help=(
        "Viewers' kernels at most; the pre-heated kernel comes on top."))
    orphan_seconds = Int(60, config=True, help=(
        "A viewer's kernel whose page has left is shut down after this long."))
    unclaimed_seconds = Int(300, config=True, help=(
        "A viewer's kernel whose page never connected is shut down after this long."))
    max_message_bytes = Int(256 * 1024, config=True, help=(
        "Largest websocket message a page may send."))
    first_paint = Bool(False, config=True, help=(
        "Send the board's first paint (the latest run's banner and tiles, from the runs "
        "folder in MAPPA_RUNS_DIR) with the page's first bytes, before its kernel has run."))
    refill_spacing_seconds = Float(0, config=True, help=(
        "Seconds between the starts of the kernels that refill the pre-heated pool after "
        "viewers took kernels from it (0: all at once, as Voila does)."))
    kernel_niceness = Int(0, config=True, help=(
        "Kernels start this much nicer (lower priority) than the server (Linux `nice`): with "
        "many viewers at once, serving their pages comes before building their dashboards."))
    _first_paints: FirstPaints | None = None

    def first_paint_html(self) -> str:
        """What the page shows until its live dashboard is drawn ("" when switched off)."""
        if not self.first_paint:
            return ""
        if self._first_paints is None:
            self._first_paints = FirstPaints(Path(os.environ.get("MAPPA_RUNS_DIR", "runs")))
        return self._first_paints.html()

    _REPLACED: ClassVar[dict[type, type]] = {
        RequestInfoSocketHandler: KernelQuerySocket,
        TornadoVoilaHandler: DashboardPage,
        VoilaKernelWebsocketHandler: KernelSocket,
        VoilaLoginHandler: ThrottledLogin,
        LogoutHandler: PlainLogout,
    }

    def init_settings(self) -> dict[str, Any]:
        if self.behind_hub:
            self.identity_provider_class = hub_identity_provider_class()
        settings: dict[str, Any] = super().init_settings()
        if self.behind_hub:
            _keep_hub_secrets_from_kernels(self.identity_provider)
        else:
            self.identity_provider.login_handler_class = ThrottledLogin
            self.identity_provider.logout_handler_class = PlainLogout
        settings["mappa_voila"] = self
        settings["websocket_max_message_size"] = self.max_message_bytes
        self._viewer_kernels: set[str] = set()
        self._starting: set[str] = set()
        start_kernel = self.kernel_manager.start_kernel

        async def start_viewer_kernel(*args: Any, **kwargs: Any) -> str:
            # Pages that passed the check together must not start more kernels than allowed
            # (the pool's kernels start through the class, not through this). A kernel is
            # listed as running before its start returns, so it is known by its id from
            # the first: counted once as starting and again as running, 20 viewers were
            # counted as 25 on a busy machine, and the last was turned away.
            if self.viewers_at_most_now():
                raise web.HTTPError(503)
            kernel_id: str = kwargs.get("kernel_id") or self.kernel_manager.new_kernel_id()
            self._viewer_kernels.add(kernel_id)
            self._starting.add(kernel_id)
            try:
                started: str = await start_kernel(*args, **{**kwargs, "kernel_id": kernel_id})
            finally:
                self._starting.discard(kernel_id)
            return started

        self.kernel_manager.start_kernel = start_viewer_kernel
        if hasattr(self.kernel_manager, "get_rendered_notebook"):  # with a pre-heated pool
            get_rendered_notebook = self.kernel_manager.get_rendered_notebook

            async def hand_over_pre_heated(*args: Any, **kwargs: Any) -> Any:
                # a pool kernel is a viewer's from when a page takes it, not from its start
                handed = await get_rendered_notebook(*args, **kwargs)
                self._viewer_kernels.add(handed[2])  # (render task, cells, kernel id)
                return handed

            self.kernel_manager.get_rendered_notebook = hand_over_pre_heated
        if self.kernel_niceness > 0:
            _start_kernels_nicer(self.kernel_niceness)
        if self.refill_spacing_seconds > 0 and hasattr(self.kernel_manager, "fill_if_needed"):
            self.kernel_manager.fill_if_needed = self._staggered(
                self.kernel_manager.fill_if_needed)
            # Voila hands a viewer the pool's next kernel even while it still waits its turn to
            # start (up to minutes here): a viewer who finds none ready gets a kernel of
            # their own at once instead
            self.kernel_manager.get_pool_size = self._ready_in_pool
        return settings

    def _ready_in_pool(self, notebook_name: str) -> int:
        """The pool's kernels that have started (Voila's ``get_pool_size`` counts those still
        waiting to start too)."""
        return sum(1 for task in self.kernel_manager._pools.get(notebook_name, [])
                   if task.done() and not task.cancelled() and task.exception() is None)

    def _staggered(self, fill_if_needed: Any) -> Any:
        """Voila's pool refill, each kernel waiting its turn: a refill asked for while others
        are still waiting to start waits ``refill_spacing_seconds`` more per waiting one."""
        manager = self.kernel_manager

        def fill_in_turn(delay: float | None = None, notebook_name: str | None = None,
                         **kwargs: Any) -> None:
            if delay is None:  # a refill after a viewer took a kernel (not the first fill)
                waiting = sum(1 for task in manager._pools.get(notebook_name, [])
                              if not task.done())
                delay = manager.fill_delay + waiting * self.refill_spacing_seconds
            fill_if_needed(delay=delay, notebook_name=notebook_name, **kwargs)

        return fill_in_turn

    def viewers_at_most_now(self) -> bool:
        """Whether as many viewers' kernels run (or are starting) as are allowed: kernels
        started for a page and pre-heated kernels a page took. A kernel refilling the pool
        is no viewer's, even while its start is still under way."""
        running = set(self.kernel_manager.list_kernel_ids())
        self._viewer_kernels &= running | self._starting  # a viewer's kernel that has gone
        return len(self._viewer_kernels) >= self.max_viewers

    def init_handlers(self) -> list[tuple[Any, ...]]:
        handlers: list[tuple[Any, ...]] = super().init_handlers()
        return [(pattern, self._REPLACED.get(handler, handler), *rest)
                for pattern, handler, *rest in handlers]

    listening: ClassVar[socket.socket | None] = None
    """The socket our parent bound and listens on for us (``_serve.LISTEN_FD_ENV``), if any."""

    def listen(self) -> None:
        self._unwatched_since: dict[str, float] = {}
        self.claimed: set[str] = set()
        PeriodicCallback(self.sweep, 5_000).start()
        self.first_paint_html()  # made now, not while the first viewer waits
        if self.listening is not None:
            # serve the connections already waiting on it rather than bind the port again
            listening = self.listening

            def add_socket(port: int, address: str = "", **settings: Any) -> HTTPServer:
                server = HTTPServer(self.app, **settings)
                server.add_sockets([listening])
                return server

            self.app.listen = add_socket
        super().listen()

    def _pre_heated(self) -> set[str]:
        pools = getattr(self.kernel_manager, "_pools", {})
        return {task.result()["kernel_id"] for pool in pools.values() for task in pool
                if task.done() and not task.cancelled() and task.exception() is None}

    async def sweep(self) -> None:
        """Shut down the kernels of viewers who have gone: nothing running, and no page
        connected for ``orphan_seconds`` after one was (a closed tab), or for
        ``unclaimed_seconds`` when none ever was (a viewer who vanished as the page came; on
        a busy machine a browser may take minutes to connect, so this waits longer)."""
        manager = self.kernel_manager
        now = time.monotonic()
        running = set(manager.list_kernel_ids())
        for kernel_id in running - self._pre_heated():
            kernel = manager.get_kernel(kernel_id)
            connected = manager._kernel_connections.get(kernel_id, 0) > 0
            if connected:
                self.claimed.add(kernel_id)
            if connected or getattr(kernel, "execution_state", "") != "idle":
                self._unwatched_since.pop(kernel_id, None)
                continue
            since = self._unwatched_since.setdefault(kernel_id, now)
            limit = (self.orphan_seconds if kernel_id in self.claimed
                     else self.unclaimed_seconds)
            if now - since >= limit:
                self._unwatched_since.pop(kernel_id, None)
                self.shut_down_soon(kernel_id, f"no page has been connected to it for "
                                               f"{limit} s")
        for kernel_id in set(self._unwatched_since) - running:
            del self._unwatched_since[kernel_id]
        self.claimed &= running
        for kernel_id in set(RequestInfoSocketHandler._cache) - running:
            del RequestInfoSocketHandler._cache[kernel_id]

    def shut_down_soon(self, kernel_id: str, why: str) -> None:
        async def shut_down() -> None:
            with contextlib.suppress(KeyError, web.HTTPError):
                if kernel_id in self.kernel_manager.list_kernel_ids():
                    self.log.info("shutting down kernel %s: %s", kernel_id, why)
                    await self.kernel_manager.shutdown_kernel(kernel_id)

        IOLoop.current().spawn_callback(shut_down)


def _start_kernels_nicer(niceness: int) -> None:
    """Start every kernel through ``nice`` (which then runs the kernel in its own place: same
    process, same signals), where there is one."""
    from jupyter_client.provisioning import local_provisioner

    nice = shutil.which("nice")
    if nice is None or not sys.platform.startswith("linux"):
        return
    # the provisioner calls the launcher it imported: replace it there
    launch = local_provisioner.launch_kernel  # type: ignore[attr-defined]

    def launch_nicer(cmd: list[str], **kwargs: Any) -> Any:
        return launch([nice, "-n", str(niceness), *cmd], **kwargs)

    local_provisioner.launch_kernel = launch_nicer  # type: ignore[attr-defined,assignment]


def _kernel_secret() -> str:
    return os.environ.get(KERNEL_SECRET_ENV) or _NO_SECRET


_NO_SECRET = secrets.token_hex(32)
"""Without a secret in the environment no kernel can know one: every query socket is refused."""


async def _get_msg(self: AsyncZMQSocketChannel, timeout: float | None = None) -> dict[str, Any]:
    """``AsyncZMQSocketChannel.get_msg`` that never trusts one wake-up to come."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = REPOLL_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
        if await self.socket.poll(int(min(REPOLL_SECONDS, left) * 1000)):
            message: dict[str, Any] = await self._recv()
            return message
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def _stop_with_serve() -> None:
    """Ask Linux for SIGTERM when serve (the parent) dies, so that a killed ``serve`` never
    leaves Voila holding the port and the token; if serve has already gone, stop now."""
    parent = os.environ.get(SERVE_PID_ENV)
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(parent):
        sys.exit("serve has stopped")


PR_SET_PDEATHSIG = 1
"""prctl's option (linux/prctl.h): the signal this process gets when its parent dies."""


def _inherited_socket() -> socket.socket | None:
    """The listening socket our parent handed us, kept from the kernels we start."""
    descriptor = os.environ.pop(LISTEN_FD_ENV, None)
    if descriptor is None:
        return None
    listening = socket.socket(fileno=int(descriptor))
    listening.set_inheritable(False)
    listening.setblocking(False)
    return listening


def main() -> None:
    _stop_with_serve()
    MappaVoila.listening = _inherited_socket()
    AsyncZMQSocketChannel.get_msg = _get_msg  # type: ignore[method-assign]
    web.RequestHandler.clear = _clear_with_our_headers  # type: ignore[method-assign]
    web.RequestHandler.write_error = _error_page  # type: ignore[method-assign]
    from jupyter_server.base.handlers import APIHandler, JupyterHandler

    JupyterHandler.write_error = _error_page  # type: ignore[method-assign]
    APIHandler.write_error = _error_page  # type: ignore[method-assign]
    RequestInfoSocketHandler.send_updates = _send_viewer_has_come
    try:
        MappaVoila.launch_instance()
    finally:
        # serve's private folder (configuration with the token, this process's log) goes with
        # this process, even when serve itself was killed and could not remove it
        private = os.environ.get(PRIVATE_FOLDER_ENV)
        if private:
            shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    main()
