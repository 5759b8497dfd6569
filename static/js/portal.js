// Progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");

  // A refused action answers 4xx with its fragment (the message names the rule): swap it like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 403 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // --- Side panels ({% panel %} in portal/templatetags/portal_ui.py) -----------------------------
  // A panel is a dialog: an overlay behind it, focus moved into it and kept there, Escape or the
  // close link closes it, and focus goes back to what opened it. Loaded over htmx, closing removes
  // it; shown by a full page (no htmx), closing follows its close link.
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  var opener = null, openerId = "", panelWasOpen = false;

  function visible(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
  function focusables(panel) {
    return Array.prototype.filter.call(panel.querySelectorAll(FOCUSABLE), visible);
  }
  function openPanel() {
    var panels = document.querySelectorAll("[data-panel]");
    return panels.length ? panels[panels.length - 1] : null;
  }
  function focusInto(panel) {
    var body = panel.querySelector(".flyout-body");
    var auto = body && body.querySelector("[data-autofocus]");
    if (auto && visible(auto)) { auto.focus(); return; }
    var first = body && focusables(body).filter(function (el) { return !el.matches("[data-panel-close]"); })[0];
    (first || panel.querySelector(".flyout-panel") || panel).focus();
  }
  function activate(panel) {
    if (panel.dataset.panelReady) return;
    panel.dataset.panelReady = "1";
    panelWasOpen = true;
    Array.prototype.forEach.call(panel.querySelectorAll("[data-filter-box]"), function (box) { box.hidden = false; });
    panel.classList.add("flyout-active");
    document.documentElement.classList.add("flyout-open");
    if (!panel.querySelector(".flyout-overlay")) {
      var overlay = document.createElement("div");
      overlay.className = "flyout-overlay";
      overlay.setAttribute("data-panel-close", "");
      panel.insertBefore(overlay, panel.firstChild);
    }
    focusInto(panel);
    // A script may replace the focused control after the panel opened (the people picker swaps its
    // text field for a combobox): focus left on the page's body goes back into the panel.
    if (window.MutationObserver) {
      var observer = new MutationObserver(function () {
        if (!document.body.contains(panel)) { observer.disconnect(); return; }
        var active = document.activeElement;
        if (!active || active === document.body) focusInto(panel);
      });
      observer.observe(panel, {childList: true, subtree: true});
    }
  }
  function closePanel(panel) {
    if (panel.dataset.panelLoaded) {
      var host = panel.parentNode;
      panel.remove();
      if (host && host.id === "panel-host") host.innerHTML = "";
    } else {
      var link = panel.querySelector("a.flyout-close");
      if (link) { window.location.href = link.href; return; }
      panel.remove();
    }
    if (!openPanel()) document.documentElement.classList.remove("flyout-open");
    restoreFocus();
  }
  // Focus goes back to the command that opened the panel; when the page region around it was
  // swapped meanwhile (a save refreshes the profile), to the new element with the same id.
  function restoreFocus() {
    var target = opener && document.body.contains(opener) ? opener : (openerId && document.getElementById(openerId));
    if (target) target.focus();
    opener = null; openerId = ""; panelWasOpen = false;
  }
  function scan(root) {
    var panels = (root.matches && root.matches("[data-panel]")) ? [root] : [];
    if (root.querySelectorAll) panels = panels.concat(Array.prototype.slice.call(root.querySelectorAll("[data-panel]")));
    panels.forEach(function (panel) {
      if (root !== document && root !== document.body) panel.dataset.panelLoaded = "1";
      activate(panel);
    });
    if (!openPanel()) document.documentElement.classList.remove("flyout-open");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    // Remember what opened a panel: a request made from outside any open panel.
    var elt = event.detail.elt, active = document.activeElement;
    if (elt.closest && elt.closest("[data-panel]")) return;
    if (active && active.closest && active.closest("[data-panel]")) return;
    opener = active && active !== document.body ? active : elt;
    openerId = (opener && opener.id) || "";
  });
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
  document.addEventListener("htmx:afterSettle", function () {
    if (!openPanel()) {
      document.documentElement.classList.remove("flyout-open");
      if (panelWasOpen) restoreFocus();  // a save answered with an empty region: the panel is done
    } else if (!openPanel().contains(document.activeElement)) focusInto(openPanel());
  });

  // --- A filter box over a list of choices (a panel's security roles): typing hides the items that
  // do not match. Without JavaScript the box stays hidden and every item shows.
  document.addEventListener("input", function (event) {
    var box = event.target.closest && event.target.closest("[data-filter]");
    if (!box) return;
    var list = document.querySelector(box.getAttribute("data-filter"));
    if (!list) return;
    var words = box.value.trim().toLowerCase(), shown = 0;
    Array.prototype.forEach.call(list.querySelectorAll("[data-filter-item]"), function (item) {
      var match = !words || item.textContent.toLowerCase().indexOf(words) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    var empty = list.querySelector("[data-filter-empty]");
    if (empty) empty.hidden = shown > 0;
  });
  document.addEventListener("keydown", function (event) {
    // Enter in a filter box filters; it does not submit the panel's form.
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-filter]")) event.preventDefault();
  }, true);
  document.addEventListener("DOMContentLoaded", function () { scan(document); });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("[data-panel-close]");
    var panel = closer && closer.closest("[data-panel]");
    if (panel && (panel.dataset.panelLoaded || closer.classList.contains("flyout-overlay"))) {
      event.preventDefault();
      closePanel(panel);
    }
  });
  document.addEventListener("keydown", function (event) {
    var panel = openPanel();
    if (!panel) return;
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel(panel);
    } else if (event.key === "Tab") {
      var items = focusables(panel.querySelector(".flyout-panel") || panel);
      if (!items.length) { event.preventDefault(); return; }
      var first = items[0], last = items[items.length - 1];
      if (!panel.contains(document.activeElement)) { event.preventDefault(); first.focus(); }
      else if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    }
  });

  // --- Toasts (portal/_messages.html): success and info leave after a while, warnings and errors stay
  function dismissLater(root) {
    var toasts = root.querySelectorAll ? root.querySelectorAll(".toast[data-autoclose]") : [];
    Array.prototype.forEach.call(toasts, function (toast) {
      setTimeout(function () { toast.remove(); }, 8000);
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-toast-close]");
    if (button) { button.closest(".toast").remove(); }
  });
  document.addEventListener("htmx:load", function (event) { dismissLater(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { dismissLater(document); });
})();
