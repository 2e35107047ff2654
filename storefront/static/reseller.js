// Live preview of the branding form: re-render the preview frame shortly after a change.
// The preview endpoint renders the buyer's page with the unsaved values; nothing is saved.
(function () {
  "use strict";
  var form = document.getElementById("branding-form");
  if (!form) { return; }
  var button = form.querySelector("[data-testid=preview-branding]");
  var timer = null;
  function refresh() {
    if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }
  form.addEventListener("input", function (event) {
    if (event.target.type !== "file") { later(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file") { later(); }
  });
  refresh();
})();
