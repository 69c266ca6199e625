// callbacks-course-a11y: a JupyterLab extension that names ipywidgets' slider controls for screen readers.
//
// ipywidgets 8 draws a slider's handle (role="slider", noUiSlider) and its editable readout beside a
// <label> holding the widget's `description`, but ties neither to it: a screen reader announces
// "slider, 3" with no name (ipywidgets issue #2650). This plugin points both at that label
// (aria-labelledby) as widgets appear, so the handle is announced as e.g. "patience, slider, 3";
// it also gives the handle a visible keyboard focus (WCAG 2.4.7), which it lacks.
//
// The extension has no imports, so it is written as its own prebuilt ("federated") bundle: this file
// is the container JupyterLab loads, `window._JUPYTERLAB[name]` with `init` and `get("./extension")`
// (see package.json's jupyterlab._build). It lies outside a static/ folder, which JupyterLab serves
// as immutable (for content-hashed names), so a changed file reaches browsers.
(function () {
  "use strict";
  const NAME = "callbacks-course-a11y";
  const FOCUS_STYLE = `.jupyter-widgets .noUi-handle:focus-visible {
    outline: 3px solid var(--jp-brand-color1, #0072B2); outline-offset: 2px; }`;
  let labels = 0;

  function nameSlider(widget) {
    const label = widget.querySelector(":scope > .widget-label");
    if (!label || !label.textContent.trim()) return;
    if (!label.id) label.id = `${NAME}-label-${++labels}`;
    widget.querySelectorAll("[role='slider'], .widget-readout").forEach(function (control) {
      if (control.classList.contains("widget-readout")) control.setAttribute("role", "textbox");
      if (!control.hasAttribute("aria-label")) control.setAttribute("aria-labelledby", label.id);
    });
  }

  function nameSlidersIn(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const around = node.closest(".widget-slider");
    if (around) nameSlider(around);
    node.querySelectorAll(".widget-slider").forEach(nameSlider);
  }

  const plugin = {
    id: `${NAME}:slider-names`,
    description: "Ties each ipywidgets slider's handle and readout to its description label.",
    autoStart: true,
    activate: function () {
      const style = document.createElement("style");
      style.textContent = FOCUS_STYLE;
      document.head.appendChild(style);
      nameSlidersIn(document.body);
      new MutationObserver(function (records) {
        records.forEach(function (record) { record.addedNodes.forEach(nameSlidersIn); });
      }).observe(document.body, { childList: true, subtree: true });
    },
  };

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: function () {},  // shares no modules with JupyterLab
    get: function (module) {
      if (module !== "./extension") return Promise.reject(new Error(`${NAME} has no module ${module}`));
      return Promise.resolve(function () { return { __esModule: true, default: plugin }; });
    },
  };
})();
