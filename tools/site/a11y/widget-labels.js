// Accessible names the ipywidgets embedder leaves out, set as the widgets appear on the page.
// A slider's handle (role="slider") gets the widget's description label as its name
// (aria-labelledby); a widget without a description keeps whatever name it has.
(function () {
  "use strict";
  let counter = 0;

  function labelSliders(root) {
    root.querySelectorAll(".widget-slider [role='slider']").forEach(function (handle) {
      if (handle.hasAttribute("aria-label") || handle.hasAttribute("aria-labelledby")) return;
      const widget = handle.closest(".widget-slider");
      const label = widget && widget.querySelector(".widget-label");
      if (!label || !label.textContent.trim()) return;
      if (!label.id) label.id = "widget-label-" + ++counter;
      handle.setAttribute("aria-labelledby", label.id);
    });
  }

  function start() {
    labelSliders(document);
    new MutationObserver(function () { labelSliders(document); })
      .observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
