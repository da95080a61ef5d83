"""The one Jinja environment: every page and fragment people read is rendered here.

Templates live in ``mappa_audit/templates/views`` (shipped in the wheel, found through the
package). Autoescaping is on for every template, so every value from data or a run folder is
text wherever it lands, attributes included; an undefined name is an error, not an empty string.
Nothing here words anything: the view models of :mod:`mappa_audit._views` and the templates do.
"""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


@functools.cache
def environment() -> Environment:
    """The environment every ``views/`` template is rendered in."""
    env = Environment(
        loader=PackageLoader("mappa_audit", "templates"),
        autoescape=True,  # HTML and SVG only: nothing rendered here is plain text
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # shipped templates do not change under a running kernel
    )
    env.filters["plotly_json"] = plotly_json
    return env


def render(name: str, **context: Any) -> str:
    """Render ``templates/views/<name>`` with ``context``.

    Examples
    --------
    >>> render("message.html.j2", text="No audit <yet>")
    '<div class="mappa-message" style="font:16px system-ui,sans-serif;padding:16px">No audit \
&lt;yet&gt;</div>'
    """
    return environment().get_template(f"views/{name}").render(**context)


def plotly_json(figure: Any) -> Markup:
    r"""A plotly figure's JSON (made already, or anything with plotly's ``to_json``) to sit in
    a ``<script type="application/json">``, which the browser never runs: ``<``, ``>`` and
    ``&`` are escaped so that no text in it can close that element (JSON reads ``\u003c`` as
    ``<``).

    Examples
    --------
    >>> class Figure:  # anything with plotly's to_json
    ...     def to_json(self) -> str:
    ...         return '{"title": "</script> & co"}'
    >>> print(plotly_json(Figure()))
    {"title": "\u003c/script\u003e \u0026 co"}
    >>> print(plotly_json('{"a": "<b>"}'))
    {"a": "\u003cb\u003e"}
    """
    text = figure if isinstance(figure, str) else figure.to_json()
    spec = text.replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026")
    # escaped just above for the script element it goes into, where HTML escaping would
    # break the JSON (the browser does not decode entities there)
    return Markup(spec)
