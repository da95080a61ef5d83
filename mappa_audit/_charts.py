"""The charts: a :class:`~mappa_audit._views.Chart` as a plotly figure, or as the paper's SVG.

Both drawings come from the same chart data, so a dashboard, a report and the paper show the
same points, labels and target. plotly.js reads a few HTML tags in its text (``<b>``, ``<br>``,
``<a href>``), so every label from data goes through :func:`chart_text`; the SVG is drawn by a
template (``templates/views/chart.svg.j2``), which escapes it.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from mappa_audit._outcome_views import RankedChart
from mappa_audit._views import RAG_COLOURS, Chart

LINE_COLOUR = "#1f4e79"

# The few parts of plotly's "plotly_white" our charts use. The full template is about 10 kB of
# JSON that every chart would carry (and a board page shows several): the page, the run's
# HTML and each dashboard kernel would build and send it again and again.
_AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8",
         "zerolinewidth": 2, "ticks": "", "automargin": True}
_TEMPLATE = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"},
    "hovermode": "closest", "title": {"x": 0.05}, "xaxis": _AXIS, "yaxis": _AXIS,
})
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}
"""How every chart is drawn, wherever it is shown (a dashboard's plotly.js, JupyterLab, the HTML
report): with no mode bar. Its buttons were most of a page's tab stops, and one of them, "Share
chart…", offers to upload the chart to Plotly's cloud: not on an OFFICIAL-SENSITIVE page."""
_LINE_BREAK = "<br>"
"""plotly.js's line break in hover text."""


def chart_text(value: object) -> str:
    """A value as text in a plotly chart (an axis label, hover text, a title).

    plotly.js reads a few HTML tags in text (``<b>``, ``<br>``, ``<a href>`` with a live
    link) and entities; escaped, an area named ``A <b>B</b>`` is shown as it is written.

    Examples
    --------
    >>> chart_text("<a href='https://example.org'>Eastvale</a> & co")
    "&lt;a href='https://example.org'&gt;Eastvale&lt;/a&gt; &amp; co"
    """
    return html.escape(str(value), quote=False)


def figure(chart: Chart) -> go.Figure:
    """The chart for a dashboard or a report: the quarters as a line, a breakdown as bars
    coloured by RAG, against a dashed target line.

    (Built in one go from plain dicts: ``add_hline`` and ``update_layout`` validate piece by
    piece and took four times as long, and a board member waits for this on every dropdown
    change.)
    """
    labels = [chart_text(point.label) for point in chart.points]
    rates = [None if point.rate is None else point.rate * 100 for point in chart.points]
    hover = [_LINE_BREAK.join((f"{chart_text(point.label)}: {point.rate_text}",
                               f"met {chart_text(point.met)}, not met {chart_text(point.not_met)}"))
             for point in chart.points]
    trace: dict[str, Any]
    if chart.kind == "quarter":
        trace = {"type": "scatter", "x": labels, "y": rates, "mode": "lines+markers",
                 "name": "rate", "hovertext": hover, "hoverinfo": "text",
                 "line": {"color": LINE_COLOUR, "width": 3}, "connectgaps": False,
                 # a point from too few items to judge is grey, as on the tiles
                 "marker": {"color": [p.colour for p in chart.points], "size": 9}}
    else:
        trace = {"type": "bar", "x": labels, "y": rates, "hovertext": hover,
                 "hoverinfo": "text", "marker": {"color": [p.colour for p in chart.points]},
                 "text": ["" if p.rate is None else p.bar_text for p in chart.points],
                 "textposition": "outside"}
    target = chart.target * 100
    line = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": target,
            "y1": target, "line": {"dash": "dash", "color": RAG_COLOURS["red"]}}
    label = {"text": chart_text(chart.target_text), "showarrow": False, "xref": "x domain",
             "x": 1, "xanchor": "right", "yref": "y", "y": target, "yanchor": "top"}
    return go.Figure(data=[trace], layout={
        "title": {"text": chart_text(chart.title)}, "template": _TEMPLATE, "height": 320,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
        "yaxis": {"title": {"text": "rate (%)"}, "range": [0, 112]}, "showlegend": False,
        # the labels are names ("1", "2" of a category too), not numbers to scale
        "xaxis": {"type": "category"},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "shapes": [line], "annotations": [label] if chart.kind == "quarter" else [],
    })


def figure_spec(plotted: go.Figure) -> dict[str, Any]:
    """A figure as plotly.js draws it: its data and layout, and :data:`PLOTLY_CONFIG` (the
    ``config`` that plotly's MIME renderer and ``mappa-charts.js`` pass to ``newPlot``)."""
    return {**json.loads(plotted.to_json()), "config": PLOTLY_CONFIG}


def figure_json(plotted: go.Figure) -> str:
    """:func:`figure_spec` as JSON, for a dashboard's ``chart.html.j2``."""
    return json.dumps(figure_spec(plotted), separators=(",", ":"))


def figure_html(plotted: go.Figure) -> str:
    """A figure as HTML for the run's report, whose template inlines plotly.js once."""
    return str(plotted.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG))


# ---- the paper's SVG --------------------------------------------------------------------------

@dataclass(frozen=True)
class SvgBar:
    """One bar (or a "too few" note where there is none) and its labels, placed."""

    label: str
    label_x: float
    text: str
    text_y: float
    colour: str | None
    """``None``: no bar, only the note."""
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0


@dataclass(frozen=True)
class SvgChart:
    """A chart laid out for ``templates/views/chart.svg.j2``: sizes and coordinates in px."""

    title: str
    width: int
    height: int
    left: int
    top: int
    baseline: float
    target_y: float
    target_text: str
    target_colour: str
    bars: tuple[SvgBar, ...]


SVG_WIDTH, SVG_HEIGHT, SVG_LEFT, SVG_BOTTOM, SVG_TOP = 330, 150, 34, 24, 18
SVG_LABEL_HEIGHT = 9
"""How far above its baseline a bar's label (8 px text) reaches."""


def svg_chart(chart: Chart) -> SvgChart:
    """The chart as bars for print: no script, nothing to fetch.

    Examples
    --------
    >>> from mappa_audit._views import ChartPoint
    >>> point = ChartPoint("2025-Q2", 0.8, "80.0 %", "80 %", "8", "2", "#c62828")
    >>> laid = svg_chart(Chart("quarter", "TML-01 by quarter", 0.95, "target 95 %", (point,)))
    >>> laid.baseline, round(laid.target_y, 1), laid.bars[0].height
    (126, 23.4, 86.4)

    A label the target line would strike goes just above the line (the target's own words
    are at the top right, beside the title):

    >>> near = ChartPoint("2025-Q3", 0.93, "93.0 %", "93 %", "93", "7", "#8a5a00")
    >>> laid = svg_chart(Chart("quarter", "TML-01 by quarter", 0.95, "target 95 %", (near,)))
    >>> round(laid.bars[0].text_y, 1), round(laid.target_y - 2, 1)
    (21.4, 21.4)
    """
    plot_height = SVG_HEIGHT - SVG_BOTTOM - SVG_TOP
    baseline = SVG_TOP + plot_height
    slot = (SVG_WIDTH - SVG_LEFT - 6) / max(len(chart.points), 1)
    target_y = SVG_TOP + plot_height * (1 - chart.target)
    bars = []
    for index, point in enumerate(chart.points):
        x = SVG_LEFT + index * slot + slot * 0.15
        middle = x + slot * 0.35
        if point.rate is None:
            bars.append(SvgBar(label=point.label, label_x=middle, text=point.bar_text,
                               text_y=baseline - 4, colour=None))
            continue
        bar_height = plot_height * point.rate
        text_y = baseline - bar_height - 2
        if 0 <= text_y - target_y <= SVG_LABEL_HEIGHT:  # the target line would strike it
            text_y = target_y - 2
        bars.append(SvgBar(label=point.label, label_x=middle, text=point.bar_text,
                           text_y=text_y, colour=point.colour, x=x,
                           y=baseline - bar_height, width=slot * 0.7, height=bar_height))
    return SvgChart(title=chart.title, width=SVG_WIDTH, height=SVG_HEIGHT, left=SVG_LEFT,
                    top=SVG_TOP, baseline=baseline,
                    target_y=target_y,
                    target_text=chart.target_text, target_colour=RAG_COLOURS["red"],
                    bars=tuple(bars))


# ---- the ranked level-use comparison (issue 18) ---------------------------------------------

def ranked_figure(chart: RankedChart) -> go.Figure:
    """Areas (or local units) ranked by a level-use measure, highest at the top, with the
    national figure as a dashed line when the reference file has one."""
    shown = [bar for bar in chart.bars if bar.value is not None]
    labels = [chart_text(bar.label) for bar in reversed(shown)]
    values = [(bar.value or 0) * 100 for bar in reversed(shown)]
    trace = {"type": "bar", "orientation": "h", "y": labels, "x": values,
             "text": [chart_text(bar.text) for bar in reversed(shown)],
             "textposition": "outside", "hoverinfo": "text",
             "hovertext": [f"{label}: {chart_text(bar.text)}"
                           for label, bar in zip(labels, reversed(shown), strict=True)],
             "marker": {"color": LINE_COLOUR}}
    top = max([*values, (chart.national or 0) * 100, 1.0]) * 1.25
    shapes, notes = [], []
    if chart.national is not None:
        national = chart.national * 100
        shapes.append({"type": "line", "yref": "y domain", "y0": 0, "y1": 1, "xref": "x",
                       "x0": national, "x1": national,
                       "line": {"dash": "dash", "color": RAG_COLOURS["red"]}})
    # below the axis's tick labels, in pixels: the chart's height grows with its bars
    notes.append({"text": chart_text(chart.national_text), "showarrow": False,
                  "xref": "paper", "x": 0, "xanchor": "left", "yref": "paper", "y": 0,
                  "yanchor": "top", "yshift": -26, "font": {"size": 11}})
    hidden = [bar.label for bar in chart.bars if bar.value is None]
    if hidden:
        notes.append({"text": chart_text("Too few to show: " + ", ".join(hidden)),
                      "showarrow": False, "xref": "paper", "x": 0, "xanchor": "left",
                      "yref": "paper", "y": 0, "yanchor": "top", "yshift": -44,
                      "font": {"size": 11}})
    return go.Figure(data=[trace], layout={
        "title": {"text": chart_text(chart.title)}, "template": _TEMPLATE,
        "height": 140 + 26 * max(len(shown), 1),
        "margin": {"l": 140, "r": 30, "t": 50, "b": 70},
        "xaxis": {"ticksuffix": " %", "range": [0, top]}, "showlegend": False,
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "shapes": shapes, "annotations": notes,
    })


@dataclass(frozen=True)
class SvgRankedBar:
    label: str
    text: str
    y: float
    width: float
    """0 when there is no bar (too few to show)."""


@dataclass(frozen=True)
class SvgRankedChart:
    """A ranked chart laid out for ``templates/views/ranked_chart.svg.j2`` (px)."""

    title: str
    width: int
    height: int
    left: int
    top: int
    row: int
    national_x: float | None
    national_text: str
    national_colour: str
    bars: tuple[SvgRankedBar, ...]


RANKED_WIDTH, RANKED_LEFT, RANKED_ROW, RANKED_TOP = 520, 130, 16, 22


def svg_ranked_chart(chart: RankedChart) -> SvgRankedChart:
    """The ranked chart as horizontal bars for print.

    Examples
    --------
    >>> from mappa_audit._outcome_views import RankedBar
    >>> laid = svg_ranked_chart(RankedChart("Share", (RankedBar("A", 0.02, "2.0 %"),
    ...     RankedBar("B", None, "too few")), 0.01, "England and Wales 1.0 %"))
    >>> [bar.width for bar in laid.bars], laid.national_x
    ([300.0, 0.0], 280.0)
    """
    values = [bar.value for bar in chart.bars if bar.value is not None]
    scale_top = max([*values, chart.national or 0.0]) or 1.0
    plot = RANKED_WIDTH - RANKED_LEFT - 90  # room on the right for each bar's text
    bars = tuple(
        SvgRankedBar(label=bar.label, text=bar.text, y=RANKED_TOP + index * RANKED_ROW,
                     width=0.0 if bar.value is None else round(plot * bar.value / scale_top, 1))
        for index, bar in enumerate(chart.bars))
    national_x = (None if chart.national is None
                  else round(RANKED_LEFT + plot * chart.national / scale_top, 1))
    return SvgRankedChart(
        title=chart.title, width=RANKED_WIDTH,
        height=RANKED_TOP + RANKED_ROW * max(len(bars), 1) + 24, left=RANKED_LEFT,
        top=RANKED_TOP, row=RANKED_ROW, national_x=national_x,
        national_text=chart.national_text, national_colour=RAG_COLOURS["red"], bars=bars)
