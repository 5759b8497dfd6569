// The Add a user wizard and the secrets shown once (Microsoft 365 admin center); everything works
// without this file: the server fills an empty display name, every button is a plain POST.
(function () {
  "use strict";
  if (window.portalWizard) return;  // loaded once, even if a page includes it again
  window.portalWizard = true;

  function byId(root, id) { return (root.querySelector ? root : document).querySelector("#" + id); }
  function madeName(root) {
    var first = byId(root, "id_given_name"), last = byId(root, "id_surname");
    return [first && first.value.trim(), last && last.value.trim()].filter(Boolean).join(" ");
  }

  // Display name: filled from first and last name as you type, until you type one yourself.
  document.addEventListener("input", function (event) {
    var target = event.target, form = target.closest && target.closest(".wizard-form");
    if (!form) return;
    var display = byId(form, "id_display_name");
    if (!display) return;
    if (target === display) {
      display.dataset.edited = display.value.trim() && display.value !== madeName(form) ? "1" : "";
    } else if ((target.id === "id_given_name" || target.id === "id_surname") && !display.dataset.edited) {
      display.value = madeName(form);
    }
  });

  // Password: the field only for "Let me create the password"; an automatic one is always temporary.
  function passwordMode(root) {
    var manual = root.querySelector('input[name="password_mode"][value="manual"]');
    var field = byId(root, "password-field"), change = byId(root, "id_require_change");
    if (!manual || !field) return;
    field.hidden = !manual.checked;
    if (change) {
      if (!manual.checked) change.checked = true;
      change.setAttribute("aria-disabled", manual.checked ? "false" : "true");
    }
  }
  // Roles: the boxes only for "Admin center access"; licences only for "Assign user a product license".
  function toggles(root) {
    var admin = root.querySelector('input[name="role_mode"][value="admin"]'), roles = byId(root, "role-list");
    if (admin && roles) roles.hidden = !admin.checked;
    var none = root.querySelector('input[name="licence_mode"][value="none"]'), licences = byId(root, "licence-list");
    if (none && licences) licences.hidden = none.checked;
  }
  function init(root) {
    var form = root.querySelector && (root.matches && root.matches(".wizard-form") ? root : root.querySelector(".wizard-form"));
    if (form) {
      var display = byId(form, "id_display_name");
      if (display) display.dataset.edited = display.value.trim() && display.value !== madeName(form) ? "1" : "";
      passwordMode(form);
      toggles(form);
    }
    Array.prototype.forEach.call((root.querySelectorAll ? root : document).querySelectorAll("[data-copy]"), function (button) {
      if (navigator.clipboard) button.hidden = false;
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(".wizard-form");
    if (!form) return;
    if (event.target.id === "id_require_change" && event.target.getAttribute("aria-disabled") === "true") {
      event.target.checked = true;  // an automatically created password is temporary (DIR-01)
    }
    passwordMode(form);
    toggles(form);
  });

  // Copy: the password shown once, to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".wizard-copied");
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (status) status.textContent = "Copied";
    }, function () {
      if (status) status.textContent = "Select the password and copy it";
    });
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
