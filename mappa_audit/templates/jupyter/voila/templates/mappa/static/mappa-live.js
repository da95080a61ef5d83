/* mappa-audit: the dashboards' status lines are live regions, announced by screen readers.
 *
 * ipywidgets cannot give a widget ARIA attributes, and an HTML widget replaces its content
 * whenever its text changes, so a live region written inside that content would be a new
 * element each time, which screen readers do not announce. The kernel marks the widget
 * itself with the class mappa-live (a download's "Preparing…" and "ready" line); its element
 * stays while its text changes, and this script makes it a polite status region as soon as
 * it appears, before its first message. */
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".mappa-live:not([aria-live])").forEach(function (region) {
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      region.setAttribute("aria-atomic", "true");
    });
  }
  new MutationObserver(mark).observe(document.documentElement,
                                     {childList: true, subtree: true});
  mark();
})();
