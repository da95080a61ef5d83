"""Downloads a dashboard builds when asked: "Prepare CSV" and "Prepare Excel" buttons.

A filter change used to build both files of the new selection (the Excel file is the slow
one) and send them to the page base64-encoded, whether or not anyone wanted them. Now a
filter change only says which rows the buttons would use; a button builds its file of the
current selection, then offers it as a link. The line that says so is a live region
(``role="status"``, ``aria-live="polite"``), so a screen reader announces when the file is
ready: ipywidgets cannot set ARIA attributes, so the widget carries the class ``mappa-live``
and the dashboard page's ``mappa-live.js`` gives it them.
"""

from __future__ import annotations

import base64

import ipywidgets as widgets
import polars as pl

from mappa_audit._exports import csv_bytes, xlsx_bytes
from mappa_audit._render import render

KINDS = {
    "csv": ("Prepare CSV", "CSV", "text/csv", ".csv"),
    "xlsx": ("Prepare Excel", "Excel",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
"""Each kind of file: its button, its name in words, its media type and its suffix."""


class Downloads:
    """The download buttons of one list (exceptions, worklist, watch list) on a dashboard.

    Parameters
    ----------
    sheet
        The name of the Excel file's sheet.
    css
        A class for the buttons' box (``mappa-downloads-<css>``), to find it on the page.

    Examples
    --------
    >>> downloads = Downloads("exceptions", "exceptions")
    >>> downloads.offer(pl.DataFrame({"case_id": ["SYN-C0000001"]}), "mappa-exceptions-run")
    >>> downloads.status.value  # nothing is built until a button asks
    ''
    >>> downloads.prepare("csv")
    >>> downloads.status.value[:47]
    'The CSV file of this selection (1 row) is ready'
    """

    def __init__(self, sheet: str, css: str) -> None:
        self.sheet = sheet
        self.rows = pl.DataFrame()
        self.name = "mappa"
        self.about: list[tuple[str, str]] | None = None
        # no icon: its glyph would be read out as part of the button's name
        self.buttons = {kind: widgets.Button(description=label)
                        for kind, (label, *_) in KINDS.items()}
        for kind, button in self.buttons.items():
            button.add_class(f"mappa-prepare-{kind}")
            button.on_click(lambda _, kind=kind: self.prepare(kind))
        self.status = widgets.HTML()
        self.status.add_class("mappa-live")
        self.status.add_class("mappa-download-status")
        self.box = widgets.HBox([*self.buttons.values(), self.status],
                                layout={"align_items": "center", "flex_flow": "row wrap"})
        self.box.add_class("mappa-downloads")
        self.box.add_class(f"mappa-downloads-{css}")

    def widget(self) -> widgets.Widget:
        return self.box

    def offer(self, rows: pl.DataFrame, name: str,
              about: list[tuple[str, str]] | None = None) -> None:
        """Let the buttons build files of ``rows``, named ``name`` (without suffix), the Excel
        file opening on an ``about`` sheet (``_exports.about_rows``). Nothing is built here;
        a file prepared for an earlier selection is withdrawn, so a link never holds other
        rows than those the filters now show. No rows: no buttons."""
        self.rows, self.name, self.about = rows, name, about
        self.status.value = ""
        for kind, button in self.buttons.items():
            button.tooltip = f"Build the {KINDS[kind][1]} file of the {_rows(rows)} shown"
        self.box.layout.display = "none" if rows.height == 0 else None

    def prepare(self, kind: str) -> None:
        """Build the ``kind`` file (``csv`` or ``xlsx``) of the rows on offer and show its
        link, saying so on the status line.

        The buttons stay enabled meanwhile: a disabled button loses the keyboard's focus, and
        a second press only builds the same file again (the kernel takes one at a time)."""
        _, word, media_type, suffix = KINDS[kind]
        rows = self.rows
        self.status.value = f"Preparing the {word} file of this selection ({_rows(rows)})…"
        try:
            data = (csv_bytes(rows) if kind == "csv"
                    else xlsx_bytes({self.sheet: rows}, about=self.about))
        except Exception as error:  # say so on the page; the kernel's log has the rest
            self.status.value = (f"The {word} file could not be prepared "
                                 f"({type(error).__name__}); try again.")  # a class name
            raise
        self.status.value = render(
            "download_link.html.j2",
            ready=f"The {word} file of this selection ({_rows(rows)}) is ready:",
            kind=kind, filename=f"{self.name}{suffix}",  # the run folder's name, from the index
            media_type=media_type, base64=base64.b64encode(data).decode())


def _rows(frame: pl.DataFrame) -> str:
    return f"{frame.height} row{'' if frame.height == 1 else 's'}"
