// A little progressive enhancement; every page works without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move the focus to a message that appeared after a form was sent (screen readers announce it).
    var message = document.querySelector("[data-focus]");
    if (message) { message.focus(); }
    // A link of an error summary moves the focus to its field, not only the view.
    document.querySelectorAll("#error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
        if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({ block: "center" }); }
      });
    });
    // The receipt's copy and print buttons (pages/voted.html), shown only where they work.
    document.querySelectorAll(".receipt-actions[hidden]").forEach(function (box) { box.hidden = false; });
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = (document.getElementById(button.getAttribute("data-copy")) || {}).textContent || "";
        if (navigator.clipboard) {
          navigator.clipboard.writeText(text.trim()).then(function () {
            button.textContent = button.getAttribute("data-copied");
          });
        }
      });
    });
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    // Irreversible steps on the desk ask first.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // One submission per click: a double click must not send a vote twice.
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }
        var button = form.querySelector("button[type=submit]");
        if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  });
}());
