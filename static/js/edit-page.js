// The edit page (editing/templates/editing/edit.html) with htmx: each form is sent in place and the items,
// the totals and the status line come back (editing/_update.html). This keeps the keyboard focus where it
// was: htmx itself puts it back on a control whose id is in the new content (the same quantity field, the
// same "Update" button); when that control is gone ("Remove" became "Undo", an added line was taken out),
// focus goes to what took its place in the same row, else to the items' heading.
// Nothing submits on "change": a size picker or quantity field applies only with its button, so arrow keys
// on it never send anything (and without JavaScript the same buttons do the same).
(function () {
  "use strict";
  var before = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    var focused = active && active !== document.body;
    var row = focused && active.closest ? active.closest("[data-row]") : null;
    before = focused ? { row: row ? row.getAttribute("data-row") : null } : null;
  });
  document.addEventListener("htmx:afterOnLoad", function () {
    var active = document.activeElement;
    var was = before;
    before = null;
    if (was === null || (active && active !== document.body && active.isConnected)) {
      return; // nothing was focused, or the focus is still (or again) on a control
    }
    var row = was.row ? document.querySelector('[data-row="' + was.row + '"]') : null;
    var target = row && (row.querySelector("[data-undo]") || row.querySelector("[data-remove]") ||
      row.querySelector("button, input, select"));
    target = target || document.getElementById("items-h");
    if (target) {
      target.focus({ preventScroll: !row });
    }
  });
})();
