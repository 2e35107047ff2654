// The margin rule as the ISV types: asks the server (the one place the rule lives) and
// shows its answer; the same check runs again when the form is saved.
(function () {
  "use strict";
  var form = document.getElementById("price-form");
  if (!form) { return; }
  var status = document.getElementById("margin-status");
  var timer = null;
  function check() {
    var data = new FormData(form);
    if (!data.get("wholesale") || !data.get("retail")) { status.textContent = ""; return; }
    fetch(form.dataset.checkUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        status.textContent = answer.message;
        status.className = answer.ok ? "ok" : "error";
      })
      .catch(function () { status.textContent = ""; });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
})();
