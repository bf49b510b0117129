// The API docs (/docs, templates/swagger_ui.html). Swagger UI names each operation's button by an aria-label of
// only its method and path ("get /health"), while the button shows the summary too: a speech-input user saying
// what they see would not reach it (WCAG 2.5.3, label in name). Without the aria-label the button is named by
// what it shows. And its code samples scroll (sideways on a phone, down when long): each can be focused, so that a
// keyboard can scroll it (WCAG 2.1.1).
(function () {
  "use strict";
  function fix(root) {
    root.querySelectorAll(".opblock-summary-control[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    root.querySelectorAll(".highlight-code pre:not([tabindex])").forEach(function (sample) {
      sample.setAttribute("tabindex", "0");
    });
  }
  new MutationObserver(function () { fix(document); })
    .observe(document.documentElement, { childList: true, subtree: true, attributes: true,
              attributeFilter: ["aria-label"] });
})();
