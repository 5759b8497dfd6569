// The data grid (portal/grid.py, templates/portal/_grid.html). Without this file the grid works by
// posting its form ("Update selection"); with it, each tick is posted at once over htmx (the grid
// form's hx-trigger="change") and the command bar that follows the selection comes back.
(function () {
  "use strict";

  function rowsOf(scope) { return Array.prototype.slice.call(scope.querySelectorAll("[data-grid-row]")); }
  function syncAll(table) {
    if (!table) return;
    var all = table.querySelector("[data-grid-all]");
    var rows = rowsOf(table);
    rows.forEach(function (box) {
      var tr = box.closest("tr");
      if (tr) tr.classList.toggle("grid-selected", box.checked);
    });
    if (all) all.checked = rows.length > 0 && rows.every(function (box) { return box.checked; });
  }

  // Capture phase: the boxes are set before htmx posts the form for this change.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) return;
    if (target.matches("[data-grid-all]")) {
      var table = target.closest("table");
      rowsOf(table).forEach(function (box) { box.checked = target.checked; });
      syncAll(table);
    } else if (target.matches("[data-grid-row]")) {
      syncAll(target.closest("table"));
    }
  }, true);

  // Clear: untick the page before the selection is cleared on the server.
  document.addEventListener("click", function (event) {
    var clear = event.target.closest && event.target.closest("[data-grid-clear]");
    if (clear) {
      var form = clear.closest("form");
      if (form) {
        Array.prototype.forEach.call(form.querySelectorAll("[data-grid-row], [data-grid-all]"), function (box) { box.checked = false; });
        Array.prototype.forEach.call(form.querySelectorAll("table"), syncAll);
      }
    }
    // Export the view as it is now (the search and sort may have changed since the page loaded).
    var exporter = event.target.closest && event.target.closest("[data-grid-export]");
    if (exporter) {
      var params = new URLSearchParams(window.location.search);
      ["page", "after", "before"].forEach(function (name) { params.delete(name); });
      var query = params.toString();
      exporter.href = exporter.getAttribute("data-grid-export") + (query ? "?" + query : "");
    }
  }, true);

  // Forms that return to the list go back to it as it is now.
  document.addEventListener("submit", function (event) {
    var next = event.target.querySelector && event.target.querySelector("[data-grid-next]");
    if (next && next.form === event.target && !next.closest("[data-panel]")) next.value = window.location.pathname + window.location.search;
  }, true);

  // The search form keeps the sort the list shows now: a header clicked since the page loaded
  // changed it in the address bar only (B3: a search then lost the sort).
  function keepSort() {
    var sort = new URLSearchParams(window.location.search).get("sort");
    Array.prototype.forEach.call(document.querySelectorAll("form[data-grid-search]"), function (form) {
      var field = form.querySelector("input[type=hidden][name=sort]");
      if (!sort) { if (field) field.remove(); return; }
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "sort";
        form.appendChild(field);
      }
      field.value = sort;
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", keepSort);
  window.addEventListener("popstate", keepSort);

  function scan(root) {
    var tables = root.querySelectorAll ? root.querySelectorAll("table.grid") : [];
    Array.prototype.forEach.call(tables, syncAll);
  }
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(document); });
  else scan(document);
})();
