// Accessible names the page's generators leave out, set as elements appear (Jupyter Book loads this
// script on every page):
// - a widget slider's handle (role="slider") is named by the widget's description label
//   (aria-labelledby); ipywidgets' embedder names neither it nor nothing else there;
// - the theme's primary sidebar (site title, search, the lessons' navigation) becomes a labelled
//   region, so that no content sits outside a landmark.
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

  function labelSidebar() {
    const sidebar = document.getElementById("pst-primary-sidebar");
    if (sidebar && !sidebar.hasAttribute("role")) {
      sidebar.setAttribute("role", "region");
      sidebar.setAttribute("aria-label", "Course contents");
    }
  }

  function start() {
    labelSidebar();
    labelSliders(document);
    new MutationObserver(function () { labelSliders(document); })
      .observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
