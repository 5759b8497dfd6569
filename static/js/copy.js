// Copy buttons ([data-copy-from="#id"]): copy that element's text to the clipboard and say so in the
// .copy-status next to the button. The buttons are hidden in the HTML and shown here when the
// clipboard is available: without JavaScript the text is selected by hand. No inline script (CSP).
(function () {
  "use strict";
  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("[data-copy-from]"), function (button) {
      if (navigator.clipboard) button.hidden = false;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-from]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-from"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!source) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (status) status.textContent = "Copied";
    }, function () {
      if (status) status.textContent = "Select the text and copy it";
    });
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
