/* rolefit's own script: small, no dependencies, loaded with `defer` (no inline scripts: strict CSP).
   Every page works without it; it only adds two things:
   1. focus after an htmx swap: the swapped-in element marked `data-focus` takes the focus, so a keyboard or
      screen-reader user lands on what changed (a new share link, an error) instead of on <body>;
   2. copy buttons: `<button data-copy="ID" hidden>` copies the text of the field #ID to the clipboard and says
      so in its own status line. The button is `hidden` in the HTML and shown here, so without JavaScript
      there is no dead button: the link is in a read-only field to select and copy by hand;
   3. the HR menu on a phone: the "Menu" button (hidden in the HTML, like the copy buttons) folds and unfolds
      the menu and says so with aria-expanded; without JavaScript the menu is simply open. */
(function () {
  "use strict";

  function focusMarked() {
    var target = document.querySelector("[data-focus]");
    if (!target) { return; }
    target.removeAttribute("data-focus");  // once: a later swap elsewhere must not pull the focus back
    if (!target.hasAttribute("tabindex") && !/^(INPUT|BUTTON|A|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
    if (target.select && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) { target.select(); }
  }

  function enableCopyButtons(root) {
    var buttons = root.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
    }
  }

  function foldMenus(root) {
    var toggles = root.querySelectorAll("button.hr-menu-toggle");
    for (var i = 0; i < toggles.length; i++) {
      var nav = toggles[i].closest("nav");
      if (!nav || toggles[i].getAttribute("data-ready")) { continue; }
      toggles[i].setAttribute("data-ready", "1");
      toggles[i].hidden = false;
      toggles[i].setAttribute("aria-expanded", "false");
      nav.classList.add("is-folded");
    }
  }

  function toggleMenu(button) {
    var nav = button.closest("nav");
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (nav) { nav.classList.toggle("is-folded", !open); }
  }

  function say(button, text) {
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    if (status) { status.textContent = text; }
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    var text = field.value !== undefined ? field.value : field.textContent;
    var done = function () { say(button, button.getAttribute("data-copied") || "Copied"); };
    var fallback = function () {
      field.focus();
      if (field.select) { field.select(); }
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      if (ok) { done(); } else { say(button, button.getAttribute("data-copy-failed") || ""); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (button) {
      event.preventDefault();
      copy(button);
      return;
    }
    var toggle = event.target.closest ? event.target.closest("button.hr-menu-toggle") : null;
    if (toggle) { toggleMenu(toggle); }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    enableCopyButtons(document);
    focusMarked();
  });

  function ready() {
    enableCopyButtons(document);
    foldMenus(document);
    // a page that loads with something to act on (a new link after a plain POST, an error summary)
    focusMarked();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
