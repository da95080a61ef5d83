"""The package as a user installs it: the wheel, built from this checkout, installed into a
fresh virtual environment outside it, every command run from a folder that is not the checkout.

Nothing here may reach the checkout: the environment's Python runs with no ``PYTHONPATH``, in a
temporary folder, with no ``PATH`` entry inside the repository, and the tests assert that
``mappa_audit`` was imported from the environment. The install dominates the time (pip's cache
makes it offline); it is written to ``test-artifacts/wheel_timings.json``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from _support import ARTIFACTS, FY_2025, ROOT, SAMPLE, folders_printed

QUIET_PIP = ["--disable-pip-version-check", "-q"]


def test_every_package_of_the_checkout_is_built_into_the_wheel() -> None:
    """``pyproject.toml`` lists the packages (the notebooks' folders are mapped into the
    package, which rules out automatic discovery): a new subpackage must be listed too."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for init in (ROOT / "mappa_audit").rglob("__init__.py")}
    assert found <= set(setuptools["packages"])
    for package, folder in setuptools["package-dir"].items():
        assert package in setuptools["packages"]
        assert list((ROOT / folder).glob("*.ipynb")), f"{folder}/ holds no notebook"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_import_of_the_package_is_a_declared_dependency() -> None:
    """A module that only arrives as some other package's dependency can vanish with it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_normalized(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0])
                for line in project["dependencies"]}
    distributions = metadata.packages_distributions()
    undeclared = {}
    for module in (ROOT / "mappa_audit").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {name.split(".")[0] for name in names} - {"mappa_audit"}:
                if top in sys.stdlib_module_names:
                    continue
                if not {_normalized(d) for d in distributions.get(top, [top])} & declared:
                    undeclared[top] = module.relative_to(ROOT).as_posix()
    assert not undeclared


@dataclass(frozen=True)
class Installed:
    """A virtual environment holding only the wheel and its dependencies."""

    venv: Path
    env: dict[str, str]
    elsewhere: Path
    """A folder outside the checkout, where every command runs."""

    def mappa(self, *args: str | Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "mappa-audit"), *map(str, args)], cwd=self.elsewhere,
            env=self.env, capture_output=True, text=True, check=False, timeout=timeout,
        )


def _outside_the_checkout(environ: dict[str, str], venv: Path) -> dict[str, str]:
    env = {key: value for key, value in environ.items()
           if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
           and not key.startswith("JUPYTER")}
    path = [entry for entry in environ.get("PATH", "").split(os.pathsep)
            if entry and not Path(entry).resolve().is_relative_to(ROOT)]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    return env


def _timed(args: list[str], timings: dict[str, float], step: str, cwd: Path,
           env: dict[str, str] | None = None) -> None:
    started = time.monotonic()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    timings[step] = round(time.monotonic() - started, 1)
    assert result.returncode == 0, f"{step} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    venv = work / "venv"
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    env = _outside_the_checkout(dict(os.environ), venv)
    timings: dict[str, float] = {}
    _timed([sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(ROOT)],
           timings, "build the wheel", cwd=ROOT)
    (wheel,) = (work / "dist").glob("mappa_audit-*.whl")
    # no pip of its own (bootstrapping one costs seconds): this pip installs into it instead
    _timed([sys.executable, "-m", "venv", "--without-pip", str(venv)], timings, "make the venv",
           cwd=elsewhere, env=env)
    # --no-compile: byte-compiling all of Jupyter would take longer than the rest of the install;
    # what runs is compiled as it is imported
    _timed([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
            *QUIET_PIP, "--no-compile", str(wheel)], timings, "install the wheel",
           cwd=elsewhere, env=env)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "wheel_timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    return Installed(venv, env, elsewhere)


@pytest.fixture(scope="module")
def dataset(installed: Installed) -> Path:
    """A copy of ``data_samples/`` outside the checkout."""
    return Path(shutil.copytree(SAMPLE, installed.elsewhere / "export"))


@pytest.fixture(scope="module")
def board_run(installed: Installed, dataset: Path) -> Path:
    """A real papermill run of the installed notebooks."""
    result = installed.mappa("run", dataset, *FY_2025, "--out", "runs")
    assert result.returncode == 0, result.stderr
    (folder,) = folders_printed(result)
    return installed.elsewhere / folder


@pytest.mark.slow
def test_the_environment_runs_the_wheel_not_the_checkout(installed: Installed) -> None:
    probe = (
        "import json, sys, mappa_audit, mappa_audit._shipped as shipped\n"
        "from importlib import resources\n"
        "notebook = resources.files('mappa_audit') / 'notebooks' / 'audit_report.ipynb'\n"
        "print(json.dumps({'file': mappa_audit.__file__, 'path': sys.path,\n"
        "                  'notebook': notebook.is_file(), 'checkout': str(shipped.checkout())}))"
    )
    result = subprocess.run([str(installed.venv / "bin" / "python"), "-c", probe],
                            cwd=installed.elsewhere, env=installed.env, capture_output=True,
                            text=True, check=True)
    seen = json.loads(result.stdout)
    assert Path(seen["file"]).is_relative_to(installed.venv)
    # ("" is the probe's own working folder, elsewhere)
    assert not [entry for entry in seen["path"]
                if entry and Path(entry).resolve().is_relative_to(ROOT)]
    assert seen["notebook"]
    assert seen["checkout"] == "None"


@pytest.mark.slow
def test_validate_and_check(installed: Installed, dataset: Path) -> None:
    validated = installed.mappa("validate", dataset)
    assert validated.returncode == 0, validated.stderr
    checked = installed.mappa("check", dataset, *FY_2025, "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)


@pytest.mark.slow
def test_run_and_paper(installed: Installed, board_run: Path) -> None:
    assert (board_run / "audit_report.html").is_file()
    manifest = json.loads((board_run / "manifest.json").read_text())
    assert manifest["git_commit"] is None  # a wheel is no checkout, whatever holds the venv
    result = installed.mappa("paper", board_run, "--out", "paper.html")
    assert result.returncode == 0, result.stderr
    assert "<html" in (installed.elsewhere / "paper.html").read_text()


@pytest.mark.slow
def test_annual(installed: Installed, dataset: Path) -> None:
    result = installed.mappa("annual", dataset, "--year", "2025-26", "--out", "annual")
    assert result.returncode == 0, result.stderr
    assert (installed.elsewhere / "annual" / "annual_report.xlsx").is_file()


def _get(url: str, cookie: str = "") -> tuple[int, list[str], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=180) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, cookies, response.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_serve_answers_over_http(installed: Installed, board_run: Path) -> None:
    with subprocess.Popen(
        [str(installed.venv / "bin" / "mappa-audit"), "serve", "--runs", str(board_run.parent)],
        cwd=installed.elsewhere, env=installed.env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    ) as serve:
        try:
            assert serve.stdout is not None
            login = serve.stdout.readline().strip()
            assert "token=" in login, "serve printed no address"
            status, cookies, _ = _get(login)  # the token is exchanged for the sign-in cookie
            assert status == 200
            cookie = "; ".join(value.split(";")[0] for value in cookies)
            page = urllib.parse.urlsplit(login)._replace(query="").geturl()
            status, _, body = _get(page, cookie)
            assert status == 200
            assert "MAPPA board overview" in body
            assert "mappa-charts.js" in body  # the template's static files, from the package
            serve.send_signal(signal.SIGTERM)
            assert serve.wait(timeout=60) == 0
        finally:
            if serve.poll() is None:
                serve.kill()
