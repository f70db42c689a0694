// ipdesk's only script. Everything works without it; it adds the copy
// button, keeps the VIP label required only while it is shown, and says so
// when ipdesk itself did not answer an htmx request. No inline script is
// needed anywhere (the Content-Security-Policy allows none).
(function () {
  "use strict";

  // syncLabel makes the label field required exactly when the VIP box is
  // ticked. The CSS shows and hides the field by itself (:has), so this only
  // adds what CSS cannot: the browser's own required check.
  function syncLabel(box) {
    var field = document.getElementById(box.getAttribute("aria-controls"));
    if (!field) { return; }
    var input = field.querySelector("input");
    if (input) { input.required = box.checked; }
  }

  function syncAll(root) {
    var boxes = (root || document).querySelectorAll("input[data-vip-toggle]");
    for (var i = 0; i < boxes.length; i++) { syncLabel(boxes[i]); }
  }

  // showCopyButtons reveals copy buttons, which are hidden in the markup
  // because without this script they could do nothing.
  function showCopyButtons(root) {
    var buttons = (root || document).querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].hidden = false; }
  }

  function setup(root) {
    syncAll(root);
    showCopyButtons(root);
  }

  // selectText selects an element's text so that it can be copied by hand
  // where the clipboard API is not allowed (a page served over plain HTTP).
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function copied(button, text) {
    var label = button.querySelector("[data-copy-label]") || button;
    var before = button.getAttribute("data-copy-idle") || label.textContent;
    button.setAttribute("data-copy-idle", before);
    label.textContent = text;
    button.classList.add("is-copied");
    window.setTimeout(function () {
      label.textContent = before;
      button.classList.remove("is-copied");
    }, 2000);
  }

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { copied(button, "Copied"); },
        function () { selectText(source); copied(button, "Press Ctrl+C"); }
      );
      return;
    }
    selectText(source);
    copied(button, "Press Ctrl+C");
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("button[data-copy]");
    if (button) { copy(button); }
  });

  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("input[data-vip-toggle]")) {
      syncLabel(ev.target);
    }
  });

  // When ipdesk itself does not answer a create, the address may or may not
  // exist: the form says so instead of failing silently.
  document.addEventListener("htmx:sendError", function (ev) {
    var form = ev.target.closest && ev.target.closest("form");
    var note = form && form.querySelector("[data-send-error]");
    if (note) { note.hidden = false; }
  });

  // After htmx replaces the main content, keyboard and screen-reader users
  // would be left on a vanished element: move focus to the new content's
  // problem or heading, unless htmx kept focus on an element it restored.
  document.addEventListener("htmx:afterSettle", function (ev) {
    if (!ev.detail || !ev.detail.target || ev.detail.target.id !== "main") { return; }
    var active = document.activeElement;
    if (active && active !== document.body && ev.detail.target.contains(active)) { return; }
    var to = ev.detail.target.querySelector("[data-testid=error-panel], h1");
    if (!to) { return; }
    if (!to.hasAttribute("tabindex")) { to.setAttribute("tabindex", "-1"); }
    to.focus();
  });

  document.addEventListener("htmx:load", function (ev) { setup(ev.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setup(document); });
  } else {
    setup(document);
  }
})();
