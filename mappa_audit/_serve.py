"""``mappa-audit serve``: one reviewed dashboard on standalone Voila, locked down.

What makes it safe, each line a setting below:

- standalone Voila serving exactly one notebook, never the Jupyter server extension (which
  would expose the contents and kernels APIs); the notebook is a copy in a fresh folder, so
  Voila's root holds nothing else: no data, no run folders, no other notebooks;
- a token on by default, printed once at start in the URL to open;
- loopback only unless ``--host`` says otherwise;
- sources stripped, tracebacks off, ``file_allowlist`` empty (Voila otherwise serves images
  under its root without asking for the token);
- configuration pinned: ``JUPYTER_NO_CONFIG`` plus our own ``voila.json`` as the only config
  file, so a stray ``voila.json`` or ``jupyter_server_config`` cannot loosen any of this;
- no template or theme from the query string; our template loads nothing from a CDN;
- idle kernels culled, kernels of closed pages shut down, viewers capped, and the rest of
  the hardening of :mod:`mappa_audit._voila_main` (headers, the token out of the address,
  the pre-heated kernel's query socket for this server's kernels only);
- the private folder (configuration with the token, Voila's log) removed when serve stops,
  however it stops; Voila stops with serve, even when serve is killed outright.

And what makes it quick: one kernel is kept pre-heated (started, imports done, waiting in
:func:`mappa_audit.dashboard.wait_for_viewer` for a viewer), so a viewer does not wait for a
kernel to start; each viewer still gets a kernel of their own, and the runs are read when they
come.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mappa_audit._errors import ArgumentError, UsageError
from mappa_audit._privacy import Audience
from mappa_audit._shipped import shipped_notebook

DASHBOARDS = {Audience.BOARD: "board_overview", Audience.AUDITOR: "auditor_exceptions"}
TEMPLATES = Path(__file__).parent / "templates" / "jupyter"
KERNEL_SECRET_ENV = "MAPPA_KERNEL_SECRET"
"""Where Voila and its kernels hold the secret a kernel shows on Voila's query socket."""
KERNEL_SECRET_HEADER = "X-Mappa-Kernel-Secret"
PRIVATE_FOLDER_ENV = "MAPPA_SERVE_PRIVATE"
"""Where Voila learns of serve's private folder, to remove it if serve could not."""
SERVE_PID_ENV = "MAPPA_SERVE_PID"
LISTEN_FD_ENV = "MAPPA_LISTEN_FD"
"""The file descriptor of a socket already listening on Voila's port, when its parent bound
it (a hub service binds its port at once, before the long imports; see ``start_voila``)."""
"""Voila stops when this process (serve) has gone."""
CULL_IDLE_SECONDS = 900
ORPHAN_SECONDS = 60
"""A viewer's kernel is shut down this long after its page left (a closed tab)."""
MAX_VIEWERS = 25
"""Viewers at once: a whole board meeting (about 150 MB each)."""
COOKIE_HOURS = 12
"""How long the sign-in cookie lasts: a board meeting, not a month."""
IOPUB_TIMEOUT_SECONDS = 120
KERNEL_START_TIMEOUT_SECONDS = 240
"""How long a viewer's page waits for its kernel to answer (nbclient's 60 s): a page that
gives up is left without its dashboard, and a very busy machine is better waited for."""
PREHEATED_KERNELS = 1
"""Kernels kept started and waiting for the next viewer (Voila's ``default_pool_size``)."""
HUB_CHECK_SECONDS = 5
"""Behind JupyterHub: how long the hub's word on a viewer is trusted before asking again."""
REFILL_SECONDS = 120
REFILL_SPACING_SECONDS = 5
"""With a pool of several kernels, one handed to a viewer is replaced this long after, and
each further one that many seconds after the one before: when a whole board opens the
dashboard together, the next kernels start one by one once their pages are drawn and their
first questions answered, not 20 at once while they are."""
KERNEL_NICENESS = 10
"""With a pool of several kernels, kernels run this much nicer than Voila (Linux ``nice``):
when a whole board comes at once, Voila, the hub and the proxy serve every page (and its first
paint) before the kernels build the live dashboards."""


def dashboard_path(name: str) -> Path:
    """A shipped dashboard notebook (in the package, or ``dashboards/`` of the checkout)."""
    return shipped_notebook("dashboards", name)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class VoilaServer:
    """A running Voila process and how to reach it."""

    process: subprocess.Popen[bytes]
    url: str
    token: str
    workdir: Path

    @property
    def login_url(self) -> str:
        return f"{self.url}?token={self.token}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def voila_settings(
    token: str, host: str, port: int, *, preheat: bool, cull_idle_seconds: int = CULL_IDLE_SECONDS,
    max_viewers: int = MAX_VIEWERS, orphan_seconds: int = ORPHAN_SECONDS,
    secure_cookie: bool = False, hub_prefix: str | None = None,
    pool_size: int = PREHEATED_KERNELS, first_paint: bool = False, kernels: Path | None = None,
) -> dict[str, object]:
    """The whole Voila configuration (``voila.json``); nothing else is read.

    ``secure_cookie`` marks the sign-in cookie ``Secure`` whatever the request's protocol:
    behind a reverse proxy that terminates TLS, Voila sees plain HTTP and would not.
    ``hub_prefix`` (``/services/board/``): a JupyterHub service at that prefix, which signs
    viewers in through the hub instead of the token. ``pool_size`` kernels are kept
    pre-heated (with ``preheat``); ``first_paint`` sends the board's banner and tiles with the
    page's first bytes (:mod:`mappa_audit._first_paint`). ``kernels``: a private folder for
    the kernels' connection files and sockets (:func:`_kernel_transport`).
    """
    where: dict[str, object] = {} if hub_prefix is None else {"base_url": hub_prefix}
    if kernels is not None:
        where["connection_dir_root"] = str(kernels)
    return {
        "Voila": {"token": token, "ip": host, "port": port, "open_browser": False,
                  "port_retries": 0, **where},
        "MappaVoila": {"max_viewers": max_viewers, "orphan_seconds": orphan_seconds,
                       "behind_hub": hub_prefix is not None, "first_paint": first_paint,
                       "refill_spacing_seconds": REFILL_SPACING_SECONDS if pool_size > 1 else 0,
                       "kernel_niceness": KERNEL_NICENESS if pool_size > 1 else 0},
        # a pool of one is refilled at once (Voila's 1 s): the next viewer comes later
        "VoilaKernelManager": {"fill_delay": REFILL_SECONDS if pool_size > 1 else 1},
        # how long the hub's answer "who is this, may they" is trusted: a signed-out or
        # removed user's cookie stops opening pages within this time (JupyterHub's 300 s)
        "HubOAuth": {"cache_max_age": HUB_CHECK_SECONDS},
        "PasswordIdentityProvider": {
            "allow_password_change": False,
            "secure_cookie": True if secure_cookie else None,
            # HttpOnly is the default; Secure is added when the request came over TLS
            "cookie_options": {"samesite": "Strict", "expires_days": COOKIE_HOURS / 24},
            "get_secure_cookie_kwargs": {"max_age_days": COOKIE_HOURS / 24},
        },
        "VoilaConfiguration": {
            "template": "mappa", "theme": "light", "strip_sources": True,
            "show_tracebacks": False, "file_allowlist": [], "file_denylist": [".*"],
            "allow_template_override": "NO", "allow_theme_override": "NO",
            "preheat_kernel": preheat, "default_pool_size": pool_size if preheat else 0,
            "show_margins": True,
            # The board draws its charts with the template's plotly.js basic bundle; the
            # full plotly.js of jupyterlab-plotly's renderer cost seconds in every browser.
            "extension_denylist": ["jupyterlab-plotly"],
        },
        # With many viewers at once a busy machine can take longer than nbclient's 4 s to
        # deliver a page's widget messages, or its 60 s to start a kernel; waiting longer
        # keeps the page whole.
        "VoilaExecutor": {"iopub_timeout": IOPUB_TIMEOUT_SECONDS,
                          "startup_timeout": KERNEL_START_TIMEOUT_SECONDS},
        **_kernel_transport(kernels),
        "MappingKernelManager": {"cull_idle_timeout": cull_idle_seconds,
                                 "cull_interval": min(60, cull_idle_seconds),
                                 "cull_connected": False},
    }


def _kernel_transport(kernels: Path | None) -> dict[str, object]:
    """Kernels on unix sockets in ``kernels``, the server's private folder, rather than TCP
    ports: jupyter_client picks a kernel's free ports before the kernel binds them, so 20
    kernels started at once could be handed the same one, and a viewer's page waited for a
    kernel that never came; and a socket in a 0700 folder is reached by no one else. A
    unix socket's path holds at most 107 bytes, so a folder too deep for one keeps TCP."""
    if kernels is None or len(str(kernels)) > MAX_KERNELS_PATH:
        return {}
    return {"KernelManager": {"transport": "ipc"}}


MAX_KERNELS_PATH = 40
"""The longest folder whose kernels' sockets fit: Voila adds ``/voila_XXXXXXXX`` and the
kernel ``/kernel-<uuid>-ipc-<n>``, 66 bytes more, and a unix socket's path holds 107."""


def start_voila(
    runs: Path, audience: Audience, *, host: str = "127.0.0.1", port: int | None = None,
    token: str | None = None, preheat: bool = True, timeout: float = 60.0,
    cull_idle_seconds: int = CULL_IDLE_SECONDS, max_viewers: int = MAX_VIEWERS,
    orphan_seconds: int = ORPHAN_SECONDS, secure_cookie: bool = False,
    hub_prefix: str | None = None, listening: socket.socket | None = None,
    pool_size: int = PREHEATED_KERNELS, first_paint: bool = False,
) -> VoilaServer:
    """Start Voila on the audience's dashboard and wait until it answers.

    With ``hub_prefix``, Voila is a JupyterHub-managed service at that prefix: the hub's
    ``JUPYTERHUB_*`` settings in this process's environment go to Voila (and never to its
    kernels), and the hub signs viewers in.
    """
    if not runs.is_dir():
        msg = f"the runs folder {runs} does not exist"
        hint = ("run `mappa-audit run DATASET …` first, or give the folder that holds the run "
                "folders as `runs`")
        raise ArgumentError(msg, hint, argument="runs")
    token = token or secrets.token_urlsafe(32)
    port = port or free_port(host)
    workdir = Path(tempfile.mkdtemp(prefix="mappa-serve-"))  # 0700
    root, config = workdir / "root", workdir / "config"
    root.mkdir()
    config.mkdir(mode=0o700)
    kernels = workdir / "kernels"
    kernels.mkdir(mode=0o700)  # the kernels' connection files and sockets
    name = DASHBOARDS[audience]
    notebook = root / f"{name}.ipynb"
    shutil.copyfile(dashboard_path(name), notebook)
    settings_file = config / "voila.json"
    settings_file.write_text(json.dumps(voila_settings(
        token, host, port, preheat=preheat, cull_idle_seconds=cull_idle_seconds,
        max_viewers=max_viewers, orphan_seconds=orphan_seconds, secure_cookie=secure_cookie,
        hub_prefix=hub_prefix, pool_size=pool_size, first_paint=first_paint,
        kernels=kernels)))
    settings_file.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VOILA"))}
    if hub_prefix is not None:
        env |= {k: v for k, v in os.environ.items() if k.startswith("JUPYTERHUB_")}
    pass_fds: tuple[int, ...] = ()
    if listening is not None:
        pass_fds = (listening.fileno(),)
        env[LISTEN_FD_ENV] = str(listening.fileno())
    env |= {
        # where a pre-heated kernel reaches Voila to learn that a viewer has come
        "VOILA_APP_IP": _loopback_for(host),
        "JUPYTER_NO_CONFIG": "1",
        "JUPYTER_PATH": str(TEMPLATES),
        "JUPYTER_RUNTIME_DIR": str(kernels),
        "MAPPA_RUNS_DIR": str(runs.resolve()),
        # how this server's own kernels prove themselves on the query socket
        KERNEL_SECRET_ENV: secrets.token_hex(32),
        PRIVATE_FOLDER_ENV: str(workdir),
        SERVE_PID_ENV: str(os.getpid()),
        "PYTHONWARNINGS": "ignore",  # a warning in the kernel would reach the page as text
    }
    with (workdir / "voila.log").open("wb") as log:  # the child keeps its own handle
        process = subprocess.Popen(
            [sys.executable, "-m", "mappa_audit._voila_main", str(notebook), "--no-browser"],
            cwd=config, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=pass_fds,
        )
    if listening is not None:
        listening.close()  # Voila has it now
    server = VoilaServer(process, f"http://{_url_host(host)}:{port}{hub_prefix or '/'}", token,
                         workdir)
    try:
        _wait_until_up(server, timeout)
    except BaseException:  # Ctrl-C or SIGTERM while waiting: leave nothing behind
        server.stop()
        raise
    return server


def _loopback_for(host: str) -> str:
    """The address, as a URL writes it, at which a kernel on this machine reaches Voila."""
    if host in ("", "0.0.0.0", "localhost"):  # every address (or a name): loopback reaches it
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return _url_host(host)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _wait_until_up(server: VoilaServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (server.workdir / "voila.log").read_text(errors="replace")
            server.stop()
            last = [line for line in log.splitlines() if line.strip()][-1:] or ["no output"]
            msg = f"Voila stopped at start: {last[0].strip()}"
            raise ArgumentError(msg, "is the port free? try another `port`", argument="port")
        try:
            with urllib.request.urlopen(server.url + "voila/static/favicon.ico", timeout=2):
                return
        except OSError as error:
            if getattr(error, "code", None) is not None:
                return  # any HTTP answer means the server is up
            time.sleep(0.2)
    server.stop()
    msg = f"Voila did not answer within {timeout:.0f} s"
    raise UsageError(msg, "the machine may be busy; try again")
