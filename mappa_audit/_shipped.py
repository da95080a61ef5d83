"""Where the notebooks and dashboards shipped with mappa-audit are, however it was installed.

A wheel holds them inside the package (``mappa_audit/notebooks``, ``mappa_audit/dashboards``,
built from the repository's top-level folders: ``pyproject.toml``); an editable install runs
from a checkout, where they are only in those top-level folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from mappa_audit._errors import UsageError


def _package() -> Path:
    return Path(str(resources.files("mappa_audit")))


def checkout() -> Path | None:
    """The repository the package runs from (an editable install), or ``None`` (a wheel).

    A wheel's package sits in ``site-packages``, whose parent is never a checkout; this never
    mistakes some other repository that happens to hold the virtual environment for ours.
    """
    root = _package().parent
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


def shipped_notebook(folder: str, name: str) -> Path:
    """The notebook ``<folder>/<name>.ipynb`` shipped with mappa-audit.

    The package's own copy comes first, so a wheel never picks up a stray file of the same
    name from elsewhere.

    Examples
    --------
    >>> shipped_notebook("notebooks", "audit_report").name
    'audit_report.ipynb'
    """
    root = checkout()
    for base in (_package(), root):
        if base is not None and (base / folder / f"{name}.ipynb").is_file():
            return base / folder / f"{name}.ipynb"
    kind = "dashboard" if folder == "dashboards" else "notebook"
    msg = f"{kind} {name}.ipynb is missing from this installation ({_package()})"
    raise UsageError(msg, "reinstall mappa-audit: `pip install --force-reinstall mappa-audit`, "
                          "or `bash scripts/setup.sh` in a checkout")
