// Progressive enhancement of the audit checklist: each row's form saves in the background and
// says so; without JavaScript the same forms post and come back to the row.
(function () {
  "use strict";
  var container = document.getElementById("checklist");
  if (!container || !window.fetch) { return; }
  var grades = JSON.parse(container.getAttribute("data-grades") || "{}");

  function showStatus(form, text, ok) {
    var status = form.querySelector(".save-status");
    if (status) {
      status.textContent = text;
      status.className = "save-status " + (ok ? "ok" : "bad");
    }
  }

  // a result that is a finding opens the finding fields and offers only its grades
  container.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name !== "result") { return; }
    var form = input.form;
    var allowed = grades[input.value];
    var details = form.querySelector(".finding-fields");
    if (details) { details.open = Boolean(allowed); }
    var select = form.querySelector("select[name=grade]");
    if (!select) { return; }
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = Boolean(allowed) && option.value !== "" && allowed.indexOf(option.value) < 0;
    });
    if (allowed && allowed.length === 1) { select.value = allowed[0]; }
    if (allowed && allowed.indexOf(select.value) < 0 && allowed.length > 1) { select.value = ""; }
  });

  container.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("row-form")) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showStatus(form, "…", true);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      var text = result.data.message || "";
      if (result.ok && result.data.finding) { text += " " + result.data.finding; }
      // the next save is based on this one; a refused (stale) save keeps the old version, so
      // it stays refused until the auditor reloads and sees the other answer
      if (result.ok && form.elements.version) { form.elements.version.value = result.data.version; }
      showStatus(form, text, result.ok);
    }).catch(function () {
      // offline or the session ended: fall back to an ordinary post
      form.submit();
    }).then(function () { button.disabled = false; });
  });
}());
