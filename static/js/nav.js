// The header's menus; every page works without this file (the rail then stays on the page at
// every width, and the account menu is a plain <details>).
(function () {
  "use strict";

  // Below 900 px the left rail hides behind the menu button (base.html, .nav-button).
  function railButton() { return document.querySelector(".nav-button"); }
  function setRail(open) {
    var button = railButton();
    if (!button) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.documentElement.classList.toggle("rail-open", open);
  }

  // Menus (<details data-menu>): one open at a time, closed by Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".nav-button");
    if (button) {
      var open = button.getAttribute("aria-expanded") !== "true";
      setRail(open);
      if (open) {
        var current = document.querySelector('#rail a[aria-current="page"]') || document.querySelector("#rail a");
        if (current) current.focus();
      }
      return;
    }
    if (document.documentElement.classList.contains("rail-open") && !event.target.closest("#rail")) setRail(false);
    var menu = event.target.closest("details[data-menu]");
    closeMenus(menu);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector("details[data-menu][open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
      return;
    }
    if (document.documentElement.classList.contains("rail-open")) {
      setRail(false);
      railButton().focus();
    }
  });

  // Back above 900 px: the rail is always shown, nothing stays "expanded".
  var wide = window.matchMedia("(min-width: 900px)");
  wide.addEventListener("change", function () { if (wide.matches) setRail(false); });
})();
