/* mappa-audit: the live board dashboard takes the first paint's place.
 *
 * The board's page opens with its first paint (the run's banner and tiles as plain HTML, put
 * in by the server) so that a viewer reads the numbers while the widgets' JavaScript and the
 * kernel are still on their way. Once the live dashboard is shown with its own tiles (or
 * its message), the first paint is removed: one set of tiles on the page, never two. */
(function () {
  "use strict";
  function takeOver() {
    var cells = document.getElementById("rendered_cells");
    if (!cells || cells.style.display === "none"
        || !cells.querySelector(".mappa-tile, .mappa-message")) {
      return false;
    }
    document.querySelectorAll(".mappa-first-paint").forEach(function (paint) {
      paint.remove();
    });
    return true;
  }
  if (!document.querySelector(".mappa-first-paint") || takeOver()) {
    return;
  }
  var watching = new MutationObserver(function () {
    if (takeOver()) {
      watching.disconnect();
    }
  });
  watching.observe(document.documentElement, {childList: true, subtree: true,
                                              attributes: true, attributeFilter: ["style"]});
})();
