// The people picker (templates/portal/_picker.html, users_app/forms/pickers.py): a combobox in the
// ARIA 1.2 pattern over the picker endpoint (htmx fills the listbox as you type), the chosen as chips.
// Keys: ArrowDown / ArrowUp move through the matches, Enter chooses, Escape closes the list (then
// clears the text), Backspace in an empty box removes the last chip. Without this file the field
// is a plain text field of names, one per line, which the server resolves.
(function () {
  "use strict";
  if (window.peoplePicker) { window.peoplePicker.scan(document); return; }
  // A swap keeping an element's id copies its attributes, `style` among them by default: under the
  // portal's Content-Security-Policy (no inline style) that copy is refused and logged. Settle without it.
  if (window.htmx && htmx.config.attributesToSettle) {
    htmx.config.attributesToSettle = htmx.config.attributesToSettle.filter(function (name) { return name !== "style"; });
  }

  function options(picker) {
    return Array.prototype.filter.call(picker.listbox.querySelectorAll('[role="option"]'), function (o) {
      return o.getAttribute("aria-disabled") !== "true";
    });
  }
  function chosenKeys(picker) {
    return Array.prototype.map.call(picker.chips.querySelectorAll(".picker-chip"), function (c) { return c.dataset.key; });
  }
  function announce(picker, text) { if (picker.status) picker.status.textContent = text; }

  function setActive(picker, index) {
    var items = options(picker);
    items.forEach(function (o, i) {
      o.classList.toggle("picker-option-active", i === index);
      o.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    picker.active = index;
    if (index >= 0 && items[index]) {
      picker.input.setAttribute("aria-activedescendant", items[index].id);
      if (items[index].scrollIntoView) items[index].scrollIntoView({ block: "nearest" });
    } else {
      picker.input.removeAttribute("aria-activedescendant");
    }
  }
  function open(picker) {
    if (!picker.listbox.children.length) return;
    picker.listbox.hidden = false;
    picker.input.setAttribute("aria-expanded", "true");
  }
  function close(picker) {
    picker.listbox.hidden = true;
    picker.input.setAttribute("aria-expanded", "false");
    setActive(picker, -1);
  }
  function isOpen(picker) { return !picker.listbox.hidden; }

  function removeChip(picker, chip) {
    var label = chip.dataset.label;
    chip.remove();
    announce(picker, label + " removed");
    picker.input.focus();
  }
  function addChip(picker, key, label) {
    if (chosenKeys(picker).indexOf(key) !== -1) return;
    if (!picker.multiple) {
      Array.prototype.forEach.call(picker.chips.querySelectorAll(".picker-chip"), function (c) { c.remove(); });
    }
    var chip = document.createElement("li");
    chip.className = "picker-chip";
    chip.dataset.key = key;
    chip.dataset.label = label;
    var span = document.createElement("span");
    span.className = "picker-chip-label";
    span.textContent = label;
    chip.appendChild(span);
    decorate(picker, chip);
  }
  function decorate(picker, chip) {
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = picker.name;
    hidden.value = chip.dataset.key;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "picker-chip-remove";
    button.setAttribute("aria-label", "Remove " + chip.dataset.label);
    button.textContent = "\u00d7";
    button.addEventListener("click", function () { removeChip(picker, chip); });
    chip.appendChild(hidden);
    chip.appendChild(button);
    picker.chips.appendChild(chip);
  }
  function choose(picker, option) {
    if (!option || option.getAttribute("aria-disabled") === "true") return;
    addChip(picker, option.dataset.key, option.dataset.label);
    picker.input.value = "";
    picker.listbox.innerHTML = "";
    close(picker);
    announce(picker, option.dataset.label + " chosen");
    picker.input.focus();
  }

  function onKey(picker, event) {
    var items = options(picker);
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!isOpen(picker)) open(picker);
        if (items.length) setActive(picker, picker.active + 1 >= items.length ? 0 : picker.active + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!isOpen(picker)) open(picker);
        if (items.length) setActive(picker, picker.active <= 0 ? items.length - 1 : picker.active - 1);
        break;
      case "Enter":
        if (isOpen(picker) && picker.active >= 0) { event.preventDefault(); choose(picker, items[picker.active]); }
        else if (picker.input.value) { event.preventDefault(); }  // a half-typed name is not a submit
        break;
      case "Escape":
        if (isOpen(picker)) { event.preventDefault(); event.stopPropagation(); close(picker); }
        else if (picker.input.value) { event.preventDefault(); event.stopPropagation(); picker.input.value = ""; }
        break;
      case "Backspace":
        if (!picker.input.value) {
          var chips = picker.chips.querySelectorAll(".picker-chip");
          if (chips.length) { event.preventDefault(); removeChip(picker, chips[chips.length - 1]); }
        }
        break;
      default:
        break;
    }
  }

  function setUp(root) {
    if (root.dataset.pickerReady) return;
    var box = root.querySelector(".picker-box");
    var text = root.querySelector(".picker-text");
    if (!box || !text) return;
    root.dataset.pickerReady = "1";
    var picker = {
      root: root, box: box, name: root.dataset.name, multiple: root.hasAttribute("data-multiple"),
      input: box.querySelector(".picker-input"), listbox: box.querySelector('[role="listbox"]'),
      status: box.querySelector('[role="status"]'), chips: root.querySelector(".picker-chips"), active: -1,
      exclude: (root.dataset.exclude || "").split(" ").filter(Boolean)
    };
    // The chips the server showed get their hidden input and remove button; the text field goes,
    // and the combobox takes its id (so its <label for> names it) and its description.
    Array.prototype.slice.call(picker.chips.querySelectorAll(".picker-chip")).forEach(function (chip) {
      chip.remove();
      var fresh = chip.cloneNode(true);
      decorate(picker, fresh);
    });
    var described = text.getAttribute("aria-describedby");
    var id = text.id;
    var focused = document.activeElement === text;  // a side panel moved focus to its first field
    if (described) picker.input.setAttribute("aria-describedby", described);
    if (text.getAttribute("aria-invalid")) picker.input.setAttribute("aria-invalid", text.getAttribute("aria-invalid"));
    text.remove();
    picker.input.id = id;
    picker.chips.hidden = false;
    box.hidden = false;
    if (focused) picker.input.focus();

    picker.input.addEventListener("keydown", function (event) { onKey(picker, event); });
    picker.input.addEventListener("htmx:configRequest", function (event) {
      event.detail.parameters.q = picker.input.value;
      event.detail.parameters.exclude = picker.exclude.concat(chosenKeys(picker));
    });
    picker.listbox.addEventListener("htmx:afterSwap", function () {
      var items = picker.listbox.querySelectorAll('[role="option"]');
      Array.prototype.forEach.call(items, function (o, i) { o.id = picker.listbox.id + "-" + i; });
      picker.active = -1;
      if (picker.input.value && document.activeElement === picker.input) open(picker); else close(picker);
      var count = options(picker).length;
      announce(picker, count ? count + (count === 1 ? " match" : " matches") : "No matches");
    });
    picker.listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    picker.listbox.addEventListener("click", function (event) {
      choose(picker, event.target.closest('[role="option"]'));
    });
    picker.input.addEventListener("blur", function () { close(picker); });
    picker.input.addEventListener("focus", function () { if (picker.input.value) open(picker); });
  }

  function scan(root) {
    var found = [];
    if (root.matches && root.matches("[data-picker]")) found.push(root);
    if (root.querySelectorAll) found = found.concat(Array.prototype.slice.call(root.querySelectorAll("[data-picker]")));
    found.forEach(setUp);
  }

  window.peoplePicker = { scan: scan };
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
})();
