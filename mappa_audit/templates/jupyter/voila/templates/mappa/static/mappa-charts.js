/* mappa-audit: draws the board dashboard's charts with plotly.js's basic bundle.
 *
 * The dashboard's kernel puts each chart in an HTML widget as
 * <div class="mappa-chart"><script type="application/json">{data, layout}</script></div>;
 * this script, loaded once by the page, draws every such div as it appears. A quarter of the
 * JavaScript of the full plotly.js that jupyterlab-plotly's renderer loads, which was most
 * of the browser's part of the first render. */
(function () {
  "use strict";
  /* the kernel sends each chart's config with it (mappa_audit._charts.PLOTLY_CONFIG: no mode
   * bar, so no "Share chart" upload to Plotly's cloud); this is the same, should one not */
  var fallback = {displayModeBar: false, displaylogo: false, responsive: true};
  function draw(chart) {
    chart.classList.add("mappa-chart-drawn");
    var source = chart.querySelector("script[type='application/json']");
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(chart, figure.data, figure.layout || {},
                          figure.config || fallback);
  }
  function drawNew() {
    document.querySelectorAll(".mappa-chart:not(.mappa-chart-drawn)").forEach(draw);
  }
  new MutationObserver(drawNew).observe(document.documentElement,
                                         {childList: true, subtree: true});
  drawNew();
})();
