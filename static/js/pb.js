// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  function focusErrorSummary() {
    // GOV.UK pattern: after a failed submit, move focus to the error summary so screen reader
    // users hear what went wrong first.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }
  // Parts of a page that only make sense when this script runs (a live total) show from now on;
  // their plain no-script alternatives hide.
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", focusErrorSummary);
  document.addEventListener("htmx:afterSwap", focusErrorSummary);
})();
