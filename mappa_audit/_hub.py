"""``mappa-audit hub``: a JupyterHub deployment in one folder, its accounts, and running it.

The hub does the signing in (NativeAuthenticator by default; any JupyterHub authenticator
can replace it in ``jupyterhub_config.py``), the roles and the OAuth of the services;
mappa-audit writes the configuration, creates accounts in the hub's own database and starts
and stops the hub. The services themselves are :mod:`mappa_audit._hub_services`.

A deployment folder (``STATE``, mode 0700) holds::

    jupyterhub_config.py        the configuration, readable and extendable (0600)
    jupyterhub_cookie_secret    the hub's cookie secret (0600)
    jupyterhub.sqlite           the hub database: users, groups, passwords' bcrypt hashes (0600)
    lab/<auditor>/              each auditor's JupyterLab folder, made when first started
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import shutil
import signal
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from mappa_audit._errors import UsageError
from mappa_audit._serve import free_port

GROUPS = ("board", "auditors", "admins")
"""The groups the configuration gives roles to: what each may open is in its "Roles"."""
CONFIG_NAME = "jupyterhub_config.py"
DB_NAME = "jupyterhub.sqlite"
COOKIE_SECRET_NAME = "jupyterhub_cookie_secret"
MIN_PASSWORD_LENGTH = 12
FAILED_LOGINS_BEFORE_LOCK = 5
LOCK_SECONDS = 600
"""After this many wrong passwords in a row an account is locked for this long."""
PROXY_ENV = "MAPPA_HUB_PROXY"
"""Where configurable-http-proxy is, when it is not in the checkout's .tools/ or on PATH."""
VIEWERS = 20
"""Board members opening the board dashboard at the same moment, by default: a whole board
meeting (issue 16: 15 to 25 people)."""
TEMPLATE = files("mappa_audit") / "templates" / "hub" / "jupyterhub_config.py.in"
RECIPES = files("mappa_audit") / "templates" / "hub" / "recipes"
AUTHENTICATORS = {"native": None, "entra": "entra_id.py", "ldap": "ldap.py"}
"""How people sign in: NativeAuthenticator's accounts in the hub database, or the recipe
(``templates/hub/recipes/``) for the organisation's Entra ID or LDAP directory, appended to
the configuration for its administrator to fill in."""
STOP_SECONDS = 30
MAX_POOL = 200
"""Kernels kept waiting at most: 26 GB of memory already."""


# ---- hub init ------------------------------------------------------------------------------

def find_proxy() -> Path:
    """configurable-http-proxy: ``$MAPPA_HUB_PROXY``, the checkout's ``.tools/``, or PATH."""
    candidates = [os.environ.get(PROXY_ENV),
                  str(Path(__file__).resolve().parent.parent / ".tools" / "node_modules" / ".bin"
                      / "configurable-http-proxy"),
                  shutil.which("configurable-http-proxy")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate).resolve()
    msg = "configurable-http-proxy (JupyterHub's proxy, from npm) is not installed"
    raise UsageError(msg, "run `bash scripts/install-proxy.sh` in the mappa-audit checkout, "
                          f"or set {PROXY_ENV} to its path")


def init_hub(
    state: Path, runs: Path, *, port: int = 8000, host: str | None = None,
    tls_cert: Path | None = None, tls_key: Path | None = None, proxy: Path | None = None,
    auth: str = "native", viewers: int = VIEWERS,
) -> Path:
    """Write a complete JupyterHub deployment into the new folder ``state``.

    Nothing is written outside ``state``. Without TLS the hub listens on 127.0.0.1 (put a
    reverse proxy with TLS in front); with ``tls_cert`` and ``tls_key`` on every address.
    ``auth`` is one of :data:`AUTHENTICATORS`: ``entra`` and ``ldap`` append their recipe
    to the configuration. ``viewers`` board members can open the board dashboard at the
    same moment without waiting for a kernel to start (that many are kept started, about
    150 MB each). Returns the configuration file.
    """
    if auth not in AUTHENTICATORS:
        msg = f"there is no authenticator recipe {auth!r}"
        raise UsageError(msg, f"give `auth` {' or '.join(AUTHENTICATORS)}")
    if state.exists() and (not state.is_dir() or any(state.iterdir())):
        msg = f"{state} already exists and is not an empty folder"
        raise UsageError(msg, "give `hub init` a new folder; an existing deployment is "
                              "started with `mappa-audit hub start`")
    if not runs.is_dir():
        msg = f"the runs folder {runs} does not exist"
        raise UsageError(msg, "make a run first (`mappa-audit run`), or give another `runs`")
    if not 1 <= viewers <= MAX_POOL:
        msg = f"`viewers` is {viewers}; it must be between 1 and {MAX_POOL}"
        raise UsageError(msg, "give the number of board members who open the dashboard "
                              "together (each costs about 150 MB of memory while waiting)")
    if (tls_cert is None) != (tls_key is None):
        msg = "`tls_cert` and `tls_key` go together"
        raise UsageError(msg, "give both (the certificate and its private key), or neither")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            msg = f"the TLS file {path} does not exist"
            raise UsageError(msg, "give the path of a PEM file")
    proxy = proxy or find_proxy()
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    state.chmod(0o700)
    state = state.resolve()
    secret = state / COOKIE_SECRET_NAME
    _write_private(secret, secrets.token_hex(32) + "\n")
    _open_db(state).close()
    (state / DB_NAME).chmod(0o600)
    if host is None:
        host = "" if tls_cert else "127.0.0.1"
    tls = "" if tls_cert is None or tls_key is None else (
        f"c.JupyterHub.ssl_cert = {str(tls_cert.resolve())!r}\n"
        f"c.JupyterHub.ssl_key = {str(tls_key.resolve())!r}")
    config = TEMPLATE.read_text(encoding="utf-8").format(
        written=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        state=state, state_literal=repr(str(state)), runs_literal=repr(str(runs.resolve())),
        python_literal=repr(sys.executable),
        services_literal=repr(str(Path(__file__).resolve().parent / "_hub_services.py")),
        guard_literal=repr(str(Path(__file__).resolve().parent / "_die_with_parent.py")),
        host_literal=repr(host), port=port, tls=tls,
        hub_port=free_port(), proxy_api_port=free_port(), proxy_literal=repr(str(proxy)),
        board_port=free_port(), auditor_port=free_port(), reports_port=free_port(),
        min_password=MIN_PASSWORD_LENGTH, failed_logins=FAILED_LOGINS_BEFORE_LOCK,
        lock_seconds=LOCK_SECONDS, viewers=viewers,
    )
    recipe = AUTHENTICATORS[auth]
    if recipe is not None:
        config += "\n" + (RECIPES / recipe).read_text(encoding="utf-8")
    target = state / CONFIG_NAME
    _write_private(target, config)
    return target


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


# ---- accounts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    """An account of the hub, as ``hub user list`` shows it."""

    name: str
    groups: tuple[str, ...]
    has_password: bool


class _Db:
    """The hub's database through JupyterHub's and NativeAuthenticator's own tables."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def close(self) -> None:
        self.session.close()


def _open_db(state: Path) -> _Db:
    # NativeAuthenticator's table is declared on JupyterHub's Base: importing it makes
    # create_all create it too
    import nativeauthenticator.orm  # noqa: F401
    from jupyterhub import orm

    old = os.umask(0o077)  # the database and SQLite's journal: the owner only
    try:
        # alembic tells of stamping a new database at INFO on stderr, not news for the user;
        # its own logging configuration, read during the call, would undo a logger's level
        disabled = logging.root.manager.disable
        logging.disable(max(disabled, logging.INFO))
        try:
            factory = orm.new_session_factory(f"sqlite:///{state / DB_NAME}")
        finally:
            logging.disable(disabled)
        session = factory()
        for name in GROUPS:
            if orm.Group.find(session, name) is None:
                session.add(orm.Group(name=name))
        session.commit()
    finally:
        os.umask(old)
    return _Db(session)


def _deployment(state: Path) -> Path:
    if not (state / CONFIG_NAME).is_file() or not (state / DB_NAME).is_file():
        msg = f"{state} is not a hub deployment (no {CONFIG_NAME} and {DB_NAME} in it)"
        raise UsageError(msg, "make one with `mappa-audit hub init`")
    return state


def normalise_name(name: str) -> str:
    """A user name as the hub keeps it (lower case), refused if the hub could not use it.

    Examples
    --------
    >>> normalise_name("  Lay.Adviser ")
    'lay.adviser'
    """
    cleaned = name.strip().lower()
    allowed = set(string.ascii_lowercase + string.digits + "._@-")
    if not cleaned or not set(cleaned) <= allowed or len(cleaned) > 100:
        msg = f"{name!r} cannot be a user name"
        raise UsageError(msg, "use letters, digits and . _ @ - (e.g. j.smith)")
    return cleaned


def check_password(password: str) -> None:
    """Refuse a password NativeAuthenticator would refuse: too short, or a common one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = (f"the password has {len(password)} characters; it needs at least "
               f"{MIN_PASSWORD_LENGTH}")
        raise UsageError(msg, "choose a longer one, or let `hub user add` make one")
    common = files("nativeauthenticator") / "common-credentials.txt"
    if password in set(common.read_text(encoding="utf-8").splitlines()):
        msg = "the password is on the list of common passwords"
        raise UsageError(msg, "choose another, or let `hub user add` make one")


def one_time_password() -> str:
    """A password to give a new user once: 4 groups of 5 letters and digits, easy to read
    out (no 0/O, 1/l/I).

    Examples
    --------
    >>> len(one_time_password())
    23
    """
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def add_user(state: Path, name: str, group: str, password: str | None = None) -> str:
    """Create an account in ``group`` that can sign in at once; returns its password (made
    here unless given)."""
    import bcrypt
    from jupyterhub import orm
    from nativeauthenticator.orm import UserInfo

    state = _deployment(state)
    name = normalise_name(name)
    if group not in GROUPS:
        msg = f"there is no group {group!r}"
        raise UsageError(msg, f"give `group` {' or '.join(GROUPS)}")
    password = one_time_password() if password is None else password
    check_password(password)
    db = _open_db(state)
    try:
        session = db.session
        if UserInfo.find(session, name) is not None or orm.User.find(session, name):
            msg = f"there is already a user {name!r}"
            raise UsageError(msg, "remove it first with `mappa-audit hub user remove`, or "
                                  "choose another name")
        user = orm.User(name=name)
        member_of = orm.Group.find(session, group)
        session.add(user)
        user.groups.append(member_of)
        session.add(UserInfo(username=name, is_authorized=True,
                             password=bcrypt.hashpw(password.encode(), bcrypt.gensalt())))
        session.commit()
    finally:
        db.close()
    return password


def list_users(state: Path) -> list[Account]:
    """Every account of the hub, by name."""
    from jupyterhub import orm
    from nativeauthenticator.orm import UserInfo

    db = _open_db(_deployment(state))
    try:
        with_password = {info.username for info in UserInfo.all_users(db.session)}
        return [Account(user.name, tuple(sorted(g.name for g in user.groups)),
                        user.name in with_password)
                for user in db.session.query(orm.User).order_by(orm.User.name)]
    finally:
        db.close()


def remove_user(state: Path, name: str) -> None:
    """Delete an account: the user, its groups' membership, its password and its tokens."""
    from jupyterhub import orm
    from nativeauthenticator.orm import UserInfo

    db = _open_db(_deployment(state))
    try:
        session = db.session
        name = normalise_name(name)
        user = orm.User.find(session, name)
        info = UserInfo.find(session, name)
        if user is None and info is None:
            msg = f"there is no user {name!r}"
            raise UsageError(msg, "`mappa-audit hub user list STATE` lists them")
        for row in (user, info):
            if row is not None:
                session.delete(row)
        session.commit()
    finally:
        db.close()


# ---- auditors' JupyterLab -------------------------------------------------------------------

AUDIT_NOTEBOOKS = ("audit_report", "disclosure_review")
"""The notebooks an auditor finds in their JupyterLab folder."""


def give_audit_notebooks(home: Path, runs: Path) -> list[Path]:
    """Copy the audit notebooks into an auditor's JupyterLab folder ``home``, set to audit
    the data of the newest auditor run in ``runs``; a copy already there is kept (it may
    hold the auditor's work). Returns the notebooks copied.

    The shipped notebooks audit ``../data_samples``, which is not beside an auditor's folder;
    the newest auditor run says which dataset and period the auditors work on. Without one
    (no run, or its dataset no longer there) the notebooks are copied as shipped.
    """
    from mappa_audit._shipped import shipped_notebook

    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    parameters = _newest_auditor_run_parameters(runs)
    copied = []
    for name in AUDIT_NOTEBOOKS:
        target = home / f"{name}.ipynb"
        if target.exists():
            continue
        notebook = json.loads(shipped_notebook("notebooks", name).read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                source = "".join(cell["source"])
                cell["source"] = _with_values(source, parameters).splitlines(keepends=True)
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        copied.append(target)
    return copied


def _newest_auditor_run_parameters(runs: Path) -> dict[str, str]:
    from mappa_audit._store import read_index, read_manifest

    for entry in reversed(read_index(runs)):
        if entry["audience"] != "auditor" or entry["outcome"] != "succeeded":
            continue
        parameters = read_manifest(runs / entry["folder"]).parameters
        if Path(parameters.dataset).exists():
            return {"dataset": parameters.dataset, "start": parameters.start,
                    "end": parameters.end}
    return {}


def _with_values(source: str, values: dict[str, str]) -> str:
    """A parameters cell with the given names set to new values, their comments kept.

    Examples
    --------
    >>> _with_values('dataset = "../data"  # a folder\\narea = None', {"dataset": "/srv/d"})
    "dataset = '/srv/d'  # a folder\\narea = None"
    """
    lines = []
    for line in source.split("\n"):
        name, equals, rest = line.partition(" = ")
        if equals and name in values:
            comment = rest[rest.index("  #"):] if "  #" in rest else ""
            lines.append(f"{name} = {values[name]!r}{comment}")
        else:
            lines.append(line)
    return "\n".join(lines)


# ---- hub start ----------------------------------------------------------------------------

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
"""prctl's options (linux/prctl.h)."""
PROXY_PID_NAME = "jupyterhub-proxy.pid"


def start_hub(state: Path) -> subprocess.Popen[bytes]:
    """Start JupyterHub on the deployment, in a process group of its own.

    This process becomes the one that orphans of the hub come to (Linux's child subreaper):
    whatever the hub started and left behind (proxy, services, their Voila and kernels,
    JupyterLab servers) stays a descendant of this process, where :func:`stop_hub` finds it
    even though the hub starts each in a session of its own.
    """
    state = _deployment(state).resolve()  # the hub runs in it: a relative path would not hold
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    return subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "--config", str(state / CONFIG_NAME)],
        cwd=state, start_new_session=True, umask=0o077,
        # the command line that calls this runs no thread of its own
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )


def _prctl(option: int, value: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, value)


def _die_with_parent() -> None:
    """A killed ``hub start`` takes the hub with it (SIGTERM, which it handles: it stops its
    services and proxy, and those die with it anyway)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_hub(process: subprocess.Popen[bytes], state: Path,
             timeout: float = STOP_SECONDS) -> None:
    """Stop the hub as JupyterHub stops (SIGTERM: it stops its services, servers and proxy),
    then whatever it left: the proxy of a hub that died (by its pid file), and every process
    this one still has below it (:func:`start_hub`)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _stop_left_proxy(state / PROXY_PID_NAME)
    for stopping, seconds in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        left = _descendants(os.getpid())
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, stopping)
        _reap_until_gone(left, seconds)


def _stop_left_proxy(pid_file: Path) -> None:
    """The hub removes the proxy's pid file when it stops the proxy: a file left means a hub
    that died first. (On Linux the proxy would also find its way to :func:`_descendants`.)"""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)


def _descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, zombies left out (Linux's /proc; nothing
    elsewhere)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = {int(word) for word in task.read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return {pid for pid in found if not _zombie(pid)}


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # gone
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _reap_until_gone(pids: set[int], seconds: float) -> None:
    """Wait until ``pids`` have exited, collecting those that had become our children."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        if not pids & _descendants(os.getpid()):
            return
        time.sleep(0.1)
