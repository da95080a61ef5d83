"""The attacks on ``mappa-audit serve`` of issue 14, each tried again over real sockets.

Every test here failed against the plain Voila that ``serve`` started before: the token leaked
through the pre-heated kernel's query socket, the sign-in cookie lasted a month, responses
carried no Content-Security-Policy (static files none at all), ``/logout`` answered 500, a
closed page held its kernel for 15 minutes, and a killed ``serve`` left Voila on its port.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from mappa_audit import Audience
from mappa_audit._serve import (
    KERNEL_SECRET_ENV,
    KERNEL_SECRET_HEADER,
    PRIVATE_FOLDER_ENV,
    VoilaServer,
    start_voila,
    voila_settings,
)
from mappa_audit._voila_main import KernelSocket

from _support import SampleRuns

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from dashboard_load import kernel_pids, wait_until_heated  # benchmarks/ is not a package

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WAIT_MS = 90_000


# ---- helpers -----------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, cookie: str | None = None, data: bytes | None = None,
          ) -> tuple[int, http.client.HTTPMessage, str]:
    headers = {"Cookie": cookie} if cookie else {}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=120) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def cookies_of(headers: http.client.HTTPMessage) -> str:
    return "; ".join(value.split(";")[0] for value in headers.get_all("Set-Cookie") or [])


def signed_in(server: VoilaServer) -> str:
    """The cookie a viewer holds after opening the printed address."""
    status, headers, _ = fetch(server.login_url)
    assert status == 200
    return cookies_of(headers)


def kernel_ids(server: VoilaServer) -> dict[int, str]:
    """Kernel process id -> kernel id, read from the kernels' command lines (as ``ps`` shows)."""
    found = {}
    for pid in kernel_pids(server.process.pid):
        with_args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        match = re.search(r"kernel-([0-9a-f-]{36})\.json", with_args)
        if match:
            found[pid] = match.group(1)
    return found


def environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


def ws_url(server: VoilaServer, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"{what} within {seconds:.0f} s")


def send_and_drain(socket_: ClientConnection, message: str) -> None:
    """Send, then read until the server closes the socket (or 100 messages have come)."""
    socket_.send(message)
    for _ in range(100):
        socket_.recv(timeout=10)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def server(sample_runs: SampleRuns) -> Iterator[VoilaServer]:
    """A board server with a short orphan limit, so that the tests see kernels go."""
    started = start_voila(sample_runs.folder, Audience.BOARD, orphan_seconds=5)
    wait_until_heated(started)
    yield started
    started.stop()



# ---- 1. the token and the query socket ---------------------------------------------------

def test_query_socket_answers_no_one_but_the_servers_own_kernels(server: VoilaServer) -> None:
    """Reproduction (a): a socket to /voila/query/<pre-heated kernel id>, opened with no token
    before a viewer comes, used to receive the viewer's token and block their page."""
    (heated,) = kernel_ids(server).values()
    for headers in ({}, {KERNEL_SECRET_HEADER: "guess"},
                    {"Cookie": signed_in(server)}):  # a viewer's cookie is not a kernel's secret
        with pytest.raises(InvalidStatus) as refused:
            connect(ws_url(server, f"voila/query/{heated}"), additional_headers=headers,
                    open_timeout=10)
        assert refused.value.response.status_code == 403
    secret = environment(server.process.pid)[KERNEL_SECRET_ENV]
    # the right secret for a kernel that does not exist, or for one whose own socket is open
    for kernel_id in ("00000000-0000-0000-0000-000000000000", heated):
        with pytest.raises(InvalidStatus):
            connect(ws_url(server, f"voila/query/{kernel_id}"),
                    additional_headers={KERNEL_SECRET_HEADER: secret}, open_timeout=10)


def test_the_token_leaves_the_address_and_reaches_no_kernel(server: VoilaServer,
                                                           browser: Browser) -> None:
    """Reproduction (b): the token stayed in the address bar and history and reached the
    kernels (the query socket's cache, the next pre-heated kernel's VOILA_REQUEST_URL)."""
    context = browser.new_context()
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        page.goto(server.login_url, wait_until="commit", timeout=WAIT_MS)
        page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
        assert "token" not in page.url
        assert server.token not in page.content()
        history = page.evaluate("history.length")
        page.go_back(wait_until="commit")
        assert server.token not in page.url, f"the token is in the history ({history} entries)"
        assert violations == []  # the page runs under its Content-Security-Policy
        cookie = next(c for c in context.cookies() if c["name"].startswith("username-"))
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Strict"
        assert 0 < cookie["expires"] - time.time() <= 12 * 3600 + 60
    finally:
        context.close()
    wait_until_heated(server)  # the next pre-heated kernel has started
    for pid in kernel_ids(server):
        assert server.token not in Path(f"/proc/{pid}/environ").read_bytes().decode(
            errors="replace")


# ---- 6. headers and cookies --------------------------------------------------------------

def test_kernels_listen_on_private_unix_sockets_not_tcp_ports(server: VoilaServer) -> None:
    """Kernels over TCP took ports picked before they bound them: 20 started at once could
    be handed the same one, and a page waited for a kernel that never came. Over unix
    sockets in the server's private folder no port is picked, and no one else can connect."""
    private = server.workdir / "kernels"
    assert private.stat().st_mode & 0o777 == 0o700
    kernels = kernel_ids(server)
    assert kernels, "the pre-heated kernels are running"
    for pid, kernel_id in kernels.items():
        [file] = private.glob(f"*/kernel-{kernel_id}.json")
        connection = json.loads(file.read_text())
        assert connection["transport"] == "ipc"
        assert Path(connection["ip"]).parent == file.parent
        sockets = [path for path in file.parent.iterdir() if path.is_socket()]
        # shell, iopub, stdin, control and heartbeat
        assert len([p for p in sockets if p.name.startswith(file.stem)]) == 5, pid


def test_every_response_carries_the_security_headers(server: VoilaServer) -> None:
    cookie = signed_in(server)
    for path, expected in [
        ("", {200}),  # the dashboard page itself
        (f"?token={server.token}", {200}),
        ("voila/static/voila.js", {200}),  # a static file
        ("voila/templates/mappa/static/plotly-basic.min.js", {200}),
        ("voila/static/no-such-file.js", {403, 404}),  # an error page
        ("login", {200, 302}),
        ("logout", {200}),
        ("api/kernels/00000000-0000-0000-0000-000000000000", {403, 404}),
    ]:
        status, headers, body = fetch(server.url + path, cookie)
        assert status in expected, (path, status)
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert "'unsafe-eval'" not in policy, path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "Server" not in headers, path
        assert "Traceback" not in body, path
        assert "tornado" not in body.lower(), path

def test_the_token_page_moves_on_within_this_site(server: VoilaServer) -> None:
    """``//elsewhere.example/?token=…`` must not send the viewer to another site."""
    status, _, body = fetch(f"{server.url}/elsewhere.example/?token={server.token}")
    assert status == 200
    assert 'url=/elsewhere.example/"' in body  # the whole target: no token, one slash
    assert "url=//" not in body

def test_the_dashboard_page_allows_only_its_own_scripts(server: VoilaServer) -> None:
    status, headers, body = fetch(server.url, signed_in(server))
    assert status == 200
    nonce = re.search(r"'nonce-([^']+)'", headers["Content-Security-Policy"])
    assert nonce is not None
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts
    assert all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts)
    assert fetch(server.url, signed_in(server))[1]["Content-Security-Policy"] != headers[
        "Content-Security-Policy"]  # a fresh nonce for every page

def test_sign_out_and_the_password_form_answer_without_failing(server: VoilaServer) -> None:
    status, headers, body = fetch(server.url + "logout")
    assert status == 200
    assert "signed out" in body
    status, headers, body = fetch(server.url + "login")
    assert status == 200
    xsrf = cookies_of(headers)
    form = xsrf.split("=", 1)[1]
    status, _, body = fetch(server.url + "login", xsrf,
                            data=urllib.parse.urlencode({"_xsrf": form, "password": "wrong"}
                                                        ).encode())
    assert status == 401
    assert "Invalid credentials" in body
    # the form must not set a password, even for someone holding the token
    status, _, _ = fetch(server.url + "login", xsrf, data=urllib.parse.urlencode(
        {"_xsrf": form, "password": server.token, "new_password": "hunter22"}).encode())
    assert status == 403

def test_sign_in_attempts_are_throttled(sample_runs: SampleRuns) -> None:
    throttled = start_voila(sample_runs.folder, Audience.BOARD, preheat=False)
    try:
        _, headers, _ = fetch(throttled.url + "login")
        xsrf = cookies_of(headers)
        attempt = urllib.parse.urlencode({"_xsrf": xsrf.split("=", 1)[1], "password": "x"})
        statuses = [fetch(throttled.url + "login", xsrf, data=attempt.encode())[0]
                    for _ in range(7)]
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429, 429]
        right = urllib.parse.urlencode({"_xsrf": xsrf.split("=", 1)[1],
                                        "password": throttled.token})
        assert fetch(throttled.url + "login", xsrf, data=right.encode())[0] == 429
    finally:
        throttled.stop()

# ---- 4. what a viewer can cost -----------------------------------------------------------

def test_viewers_beyond_the_cap_are_told_to_come_back(sample_runs: SampleRuns) -> None:
    capped = start_voila(sample_runs.folder, Audience.BOARD, preheat=False, max_viewers=2)
    try:
        cookie = signed_in(capped)
        assert [fetch(capped.url, cookie)[0] for _ in range(2)] == [200, 200]
        status, headers, body = fetch(capped.url, cookie)
        assert status == 503
        assert headers["Retry-After"] == "60"
        assert "as many viewers as it may hold (2)" in body
        assert len(kernel_ids(capped)) == 2
    finally:
        capped.stop()

def test_the_kernel_of_a_closed_page_is_shut_down(server: VoilaServer, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.login_url, wait_until="commit", timeout=WAIT_MS)
    page.wait_for_selector(".mappa-tile", timeout=WAIT_MS)
    viewer = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    assert viewer in set(kernel_ids(server).values())
    context.close()
    wait_for(lambda: viewer not in set(kernel_ids(server).values()), 60,
             "the closed page's kernel was not shut down")

def test_a_page_request_dropped_half_way_leaves_no_kernel(sample_runs: SampleRuns) -> None:
    dropped = start_voila(sample_runs.folder, Audience.BOARD, preheat=False, orphan_seconds=5)
    try:
        cookie = signed_in(dropped)
        host, port = urllib.parse.urlsplit(dropped.url).netloc.split(":")
        with socket.create_connection((host, int(port)), timeout=60) as raw:
            raw.sendall(f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n\r\n"
                        .encode())
            assert raw.recv(256).startswith(b"HTTP/1.1 200")
            wait_for(lambda: len(kernel_ids(dropped)) == 1, 60, "no kernel started")
        wait_for(lambda: not kernel_ids(dropped), 90, "the dropped page's kernel stayed")
    finally:
        dropped.stop()

def test_a_page_may_open_only_the_widget_managers_comm_and_send_small_messages(
        server: VoilaServer) -> None:
    cookie = signed_in(server)
    status, _, body = fetch(server.url, cookie)
    assert status == 200
    config = re.search(r'<script[^>]*id="jupyter-config-data"[^>]*>(.*?)</script>', body, re.S)
    assert config is not None
    kernel_id = json.loads(config.group(1))["kernelId"]
    url = ws_url(server, f"api/kernels/{kernel_id}/channels?session_id=probe")

    def comm_open(target: str, padding: int = 0) -> str:
        return json.dumps({
            "channel": "shell", "buffers": [], "metadata": {}, "parent_header": {},
            "header": {"msg_id": os.urandom(8).hex(), "msg_type": "comm_open", "session": "probe",
                       "username": "", "date": "2026-12-03T00:00:00Z", "version": "5.3"},
            "content": {"comm_id": os.urandom(8).hex(), "target_name": target,
                        "data": {"padding": "x" * padding}}})

    with connect(url, additional_headers={"Cookie": cookie}, open_timeout=30) as kernel:
        kernel.send(comm_open("mappa.attacker"))
        wait_for(lambda: "target 'mappa.attacker'" in (server.workdir / "voila.log").read_text(),
                 30, "the comm_open was not refused")
        # a binary message claiming 2**60 parts: read as-is it would fill the server's memory
        kernel.send((2**60).to_bytes(8, "little") + bytes(16))
        assert fetch(server.url + "voila/static/voila.js", cookie)[0] == 200
        # 5 MB in one message: the server closes the socket (1009, message too big)
        with pytest.raises((ConnectionClosed, ConnectionResetError)):
            send_and_drain(kernel, comm_open("jupyter.widget.control", 5 * 1024 * 1024))

def test_a_kernel_error_message_never_reaches_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[object] = []
    monkeypatch.setattr("voila.tornado.kernel_websocket_handler.VoilaKernelWebsocketHandler."
                        "write_message", lambda self, message, binary=False: sent.append(message))
    socket_ = KernelSocket.__new__(KernelSocket)
    error = {"header": {"msg_type": "error"}, "content": {"traceback": ["Traceback …"]}}
    status = {"header": {"msg_type": "status"}, "content": {"execution_state": "idle"}}
    socket_.write_message(error)
    socket_.write_message(status)
    assert sent == [status]

# ---- 5. the private folder and the Voila process -----------------------------------------

@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_stopping_serve_leaves_nothing_behind(sample_runs: SampleRuns, stop: signal.Signals
                                              ) -> None:
    """SIGTERM and SIGHUP: serve removes its private folder (the token's configuration,
    Voila's log) and stops Voila. SIGKILL (serve cannot act): Voila stops with it and removes
    the folder itself, so the port is free again."""
    with subprocess.Popen(
        [sys.executable, "-m", "mappa_audit", "serve", "--runs", str(sample_runs.folder)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ) as serve:
        try:
            assert serve.stdout is not None
            port = urllib.parse.urlsplit(serve.stdout.readline().strip()).port
            assert port is not None
            voila = int(subprocess.run(["pgrep", "-P", str(serve.pid)], capture_output=True,
                                       text=True, check=True).stdout.split()[0])
            private = Path(environment(voila)[PRIVATE_FOLDER_ENV])
            assert (private / "config" / "voila.json").exists()
            wait_for(lambda: bool(kernel_pids(voila)), 60, "no kernel was pre-heated")
            kernels = kernel_pids(voila)
            serve.send_signal(stop)
            serve.wait(timeout=60)
            wait_for(lambda: not Path(f"/proc/{voila}").exists(), 30, "Voila kept running")
            wait_for(lambda: not any(Path(f"/proc/{k}").exists() for k in kernels), 30,
                     "a kernel kept running")
            assert not private.exists()
            assert port_is_free(port)
        finally:
            if serve.poll() is None:
                serve.kill()


@pytest.mark.parametrize("audience", ["board", "auditor"])
def test_serving_a_folder_without_runs_says_so(tmp_path: Path, audience: str) -> None:
    """A dataset folder given as --runs (or board runs served to auditors) serves a page
    that only says there is no run: the co-ordinator is told where they look."""
    with subprocess.Popen(
        [sys.executable, "-m", "mappa_audit", "serve", "--runs", str(tmp_path), "--audience",
         audience, "--no-preheat"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as serve:
        try:
            assert serve.stdout is not None
            assert serve.stderr is not None
            assert serve.stdout.readline().startswith("http://127.0.0.1:")  # it still serves
            warning = serve.stderr.readline()
            assert warning.startswith(f"mappa-audit: warning: {tmp_path} holds no successful "
                                      f"{audience} run yet"), warning
            assert f"--out {tmp_path}` makes one" in warning
        finally:
            serve.terminate()
            serve.wait(timeout=60)


def test_a_page_waits_minutes_for_its_kernel_on_a_busy_machine() -> None:
    """nbclient gives a kernel 60 s to answer, and 4 s for a cell's output to arrive; a page
    that gives up stays without its dashboard, so a very busy machine is waited for."""
    settings = voila_settings("t", "127.0.0.1", 1, preheat=True)
    executor = settings["VoilaExecutor"]
    assert isinstance(executor, dict)
    assert executor["startup_timeout"] >= 240
    assert executor["iopub_timeout"] >= 120


@pytest.mark.parametrize("secure", [False, True])
def test_the_secure_flag_reaches_voilas_configuration(secure: bool) -> None:
    """Behind a TLS proxy Voila sees plain HTTP: ``--secure-cookie`` says what it cannot see."""
    settings = voila_settings("t", "127.0.0.1", 1, preheat=False, secure_cookie=secure)
    identity = settings["PasswordIdentityProvider"]
    assert isinstance(identity, dict)
    assert identity["secure_cookie"] is (True if secure else None)
    assert identity["cookie_options"] == {"samesite": "Strict", "expires_days": 0.5}
    assert identity["allow_password_change"] is False
