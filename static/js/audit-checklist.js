// Progressive enhancement of the audit checklist. Without JavaScript every form posts and the
// page comes back to its row; with it:
// - a row's answer saves in the background; its badge, the completion bar and the filter counts
//   follow at once, and every error of the row shows on its own field;
// - an evidence file is attached in the background, so the row's unsaved answer stays as typed,
//   and the file is listed in the row;
// - the filters (all, unanswered, nonconformities) show and hide rows in place.
//
// The state of a row lives in the DOM: the article's data-result (its saved answer) and
// data-dirty (changed since), the form's fields and its version. Everything that changes a row
// goes through `applySaved`, and everything that counts reads the DOM (`refresh`); both, with
// `send`, `saveRow`, `showErrors` and `applyFilter`, are on `window.qmsChecklist`, so that
// another way of saving (the offline queue of a later version) can reuse the same pieces.
(function () {
  "use strict";
  var container = document.getElementById("checklist");
  if (!container || !window.fetch || !window.FormData) { return; }
  container.classList.add("js-enhanced");
  var grades = JSON.parse(container.getAttribute("data-grades") || "{}");
  var resultLabels = JSON.parse(container.getAttribute("data-results") || "{}");
  var FILTERS = {
    "": function () { return true; },
    unanswered: function (row) { return !row.getAttribute("data-result"); },
    nonconform: function (row) { return row.getAttribute("data-result") === "nonconform"; }
  };
  var currentFilter = container.getAttribute("data-show") || "";

  function rows() { return container.querySelectorAll("article[data-row]"); }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function rowOf(element) { return element.closest("article[data-row]"); }

  // --- sending: one request, its answer as {ok, status, data}; a network failure rejects ----
  function send(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        // not an answer of ours (the session ended: the login page): let the page decide
        return { ok: false, status: response.status, data: null };
      }
      return response.json().then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  // the row's answer (its form without the evidence fields), or its evidence alone
  var EVIDENCE_FIELDS = ["file", "description"];
  function answerOf(form) {
    var body = new FormData(form);
    EVIDENCE_FIELDS.forEach(function (name) { body.delete(name); });
    return body;
  }
  function evidenceOf(form) {
    var body = new FormData();
    body.append("csrf_token", form.elements.csrf_token.value);
    EVIDENCE_FIELDS.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.type === "file") {
        if (field.files.length) { body.append(name, field.files[0]); }
      } else if (field) {
        body.append(name, field.value);
      }
    });
    return body;
  }

  // --- what a row shows ---------------------------------------------------------------------
  // `tone`: true (done), false (refused) or "pending" (changed, not saved yet)
  function setStatus(element, text, tone) {
    if (!element) { return; }
    element.textContent = text;
    var name = tone === "pending" ? "pending" : tone ? "ok" : "bad";
    element.className = element.className.replace(/\s*\b(ok|bad|pending)\b/g, "") + " " + name;
  }

  // `scope`: the row's form (its answer) or its evidence fields
  function clearErrors(scope) {
    each(scope.querySelectorAll(".error"), function (el) { el.remove(); });
    each(scope.querySelectorAll(".has-error"), function (el) { el.classList.remove("has-error"); });
    each(scope.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
    var box = scope.querySelector(".row-errors");
    if (box) { box.textContent = ""; }
  }

  function errorElement(text) {
    var small = document.createElement("small");
    small.className = "error";
    small.setAttribute("data-js", "");
    small.textContent = text;
    return small;
  }

  // every error at once, each on its field; those of no field above the form
  function showErrors(scope, fields, message) {
    clearErrors(scope);
    var unplaced = [];
    Object.keys(fields || {}).forEach(function (name) {
      var box = scope.querySelector("[data-field='" + name + "']");
      if (!box) { unplaced = unplaced.concat(fields[name]); return; }
      box.classList.add("has-error");
      fields[name].forEach(function (text) { box.appendChild(errorElement(text)); });
      each(box.querySelectorAll("input, select, textarea"), function (input) {
        input.setAttribute("aria-invalid", "true");
      });
      var details = box.closest("details");
      if (details) { details.open = true; }
    });
    var top = scope.querySelector(".row-errors");
    var first = scope.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (top && (unplaced.length || (!first && message))) {
      var alert = document.createElement("div");
      alert.className = "flash flash-error";
      alert.setAttribute("role", "alert");
      alert.textContent = unplaced.length ? unplaced.join(" ") : message;
      top.appendChild(alert);
    }
    // the first field to fix, in the order of the form
    if (first) { first.focus(); }
  }

  function badgeFor(result) {
    var badge = document.createElement("span");
    badge.className = "badge result-badge" + (result ? " result-" + result : "");
    badge.textContent = resultLabels[result] || resultLabels[""] || "";
    return badge;
  }

  // a saved answer: the row's result, badge, finding link and version
  function applySaved(row, data) {
    row.setAttribute("data-result", data.result || "");
    var badges = row.querySelector(".row-badges");
    if (badges) {
      badges.textContent = "";
      badges.appendChild(badgeFor(data.result || ""));
      if (data.finding) {
        var link = document.createElement("a");
        link.className = "badge bad finding-badge";
        link.href = data.finding_url || "#";
        link.textContent = data.finding;
        badges.appendChild(document.createTextNode(" "));
        badges.appendChild(link);
      }
    }
    var form = row.querySelector("form.row-form");
    if (form && form.elements.version && data.version !== undefined) {
      form.elements.version.value = data.version;
    }
    refresh();
  }

  // --- the counts, read from the rows -------------------------------------------------------
  function refresh() {
    var answered = 0;
    var total = 0;
    var byClause = {};
    var counts = { "": 0, unanswered: 0, nonconform: 0 };
    each(rows(), function (row) {
      var clause = row.getAttribute("data-clause");
      var done = Boolean(row.getAttribute("data-result"));
      byClause[clause] = byClause[clause] || { answered: 0, total: 0 };
      byClause[clause].total += 1;
      total += 1;
      if (done) { answered += 1; byClause[clause].answered += 1; }
      Object.keys(counts).forEach(function (key) { if (FILTERS[key](row)) { counts[key] += 1; } });
    });
    var bar = document.getElementById("checklist-bar");
    if (bar) {
      bar.querySelector("[data-answered]").textContent = answered;
      bar.querySelector("[data-total]").textContent = total;
      var meter = bar.querySelector("#completion-meter");
      meter.value = answered;
      meter.max = total || 1;
      each(bar.querySelectorAll("[data-clause-link]"), function (link) {
        var own = byClause[link.getAttribute("data-clause-link")] || { answered: 0, total: 0 };
        link.querySelector("[data-clause-answered]").textContent = own.answered;
        link.querySelector("progress").value = own.answered;
        link.classList.toggle("complete", own.total > 0 && own.answered === own.total);
      });
    }
    each(document.querySelectorAll("[data-filter-count]"), function (el) {
      el.textContent = counts[el.getAttribute("data-filter-count")];
    });
  }

  // --- filters ------------------------------------------------------------------------------
  function applyFilter(key) {
    currentFilter = FILTERS[key] ? key : "";
    var shown = 0;
    each(rows(), function (row) {
      var keep = FILTERS[currentFilter](row);
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    each(container.querySelectorAll("[data-section]"), function (section) {
      section.hidden = !section.querySelector("article[data-row]:not([hidden])");
    });
    each(document.querySelectorAll("[data-filter]"), function (link) {
      var on = link.getAttribute("data-filter") === currentFilter;
      link.classList.toggle("primary", on);
      if (on) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
    });
    var empty = document.querySelector("[data-filter-empty]");
    if (empty) { empty.hidden = shown > 0; }
  }

  each(document.querySelectorAll("[data-filter]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      applyFilter(link.getAttribute("data-filter"));
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", link.getAttribute("href"));
      }
    });
  });

  // a jump to a clause shows its rows even when a filter hides them all
  each(document.querySelectorAll("[data-clause-link]"), function (link) {
    link.addEventListener("click", function () {
      var section = document.getElementById("clause-" + link.getAttribute("data-clause-link"));
      if (section && section.hidden) { applyFilter(""); }
    });
  });

  // --- a row changed since its last save says so (data-dirty on the row, and its status) ----
  function markDirty(event) {
    var form = event.target.form;
    if (!form || !form.classList.contains("row-form") || event.target.closest(".attach")) { return; }
    var row = rowOf(form);
    if (row.hasAttribute("data-dirty")) { return; }
    row.setAttribute("data-dirty", "");
    setStatus(form.querySelector(".save-status"), container.getAttribute("data-unsaved"), "pending");
  }
  container.addEventListener("input", markDirty);
  container.addEventListener("change", markDirty);

  // --- a result that is a finding opens the finding fields and offers only its grades -------
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

  // --- saving a row's answer ----------------------------------------------------------------
  function saveRow(form) {
    var row = rowOf(form);
    var button = form.querySelector("[data-save]");
    var status = form.querySelector(".save-status");
    button.disabled = true;
    setStatus(status, "…", true);
    return send(form.action, answerOf(form)).then(function (answer) {
      if (!answer.data) { form.submit(); return; }
      if (answer.ok) {
        clearErrors(form);
        row.removeAttribute("data-dirty");
        applySaved(row, answer.data);
        setStatus(status, answer.data.message + (answer.data.finding ? " " + answer.data.finding : ""), true);
        return;
      }
      // refused: nothing was saved; the typed answer stays. A stale save keeps the old version,
      // so it stays refused until the auditor reloads and sees the other answer.
      refused(form, status, answer.data.error || {});
    }, function () {
      setStatus(status, container.getAttribute("data-offline"), false);
    }).then(function () { button.disabled = false; });
  }

  // a refusal: the reasons at their fields (or above the form); beside the button only that
  // nothing was saved
  function refused(scope, status, error) {
    var fields = error.fields || {};
    showErrors(scope, fields, error.message);
    var placed = Object.keys(fields).some(function (name) {
      return scope.querySelector("[data-field='" + name + "']");
    });
    var shownAbove = !placed && scope.querySelector(".row-errors");
    setStatus(status, placed ? container.getAttribute("data-refused")
      : shownAbove ? container.getAttribute("data-not-saved") : error.message, false);
  }

  // --- attaching evidence in place ----------------------------------------------------------
  function listFile(row, file) {
    var list = row.querySelector("ul.files");
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = file.url;
    link.textContent = file.name;
    item.appendChild(link);
    if (file.description) { item.appendChild(document.createTextNode(" " + file.description)); }
    list.appendChild(item);
    list.hidden = false;
  }

  // the evidence alone, to the Attach button's address: the row's answer is not sent and
  // stays as typed
  function attach(form, button) {
    var row = rowOf(form);
    var scope = button.closest(".attach");
    var status = scope.querySelector(".attach-status");
    button.disabled = true;
    setStatus(status, "…", true);
    return send(button.formAction, evidenceOf(form)).then(function (answer) {
      if (!answer.data) {
        // as without JavaScript: the row's form with the file, the answer kept as typed
        form.action = button.formAction;
        form.enctype = "multipart/form-data";
        form.submit();
        return;
      }
      if (answer.ok) {
        clearErrors(scope);
        listFile(row, answer.data.file);
        EVIDENCE_FIELDS.forEach(function (name) { form.elements[name].value = ""; });
        setStatus(status, answer.data.message + " " + answer.data.file.name, true);
        return;
      }
      refused(scope, status, answer.data.error || {});
    }, function () {
      setStatus(status, container.getAttribute("data-offline"), false);
    }).then(function () { button.disabled = false; });
  }

  container.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("row-form")) { return; }
    event.preventDefault();
    var button = event.submitter;
    if (button && button.hasAttribute("data-attach")) {
      attach(form, button);
    } else {
      saveRow(form);
    }
  });

  window.qmsChecklist = {
    send: send,
    saveRow: saveRow,
    applySaved: applySaved,
    showErrors: showErrors,
    refresh: refresh,
    applyFilter: applyFilter
  };
}());
