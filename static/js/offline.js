// The checklist without a signal (on top of audit-checklist.js, through window.qmsChecklist).
// - "Save for offline use": the audit's checklist data (/audits/<id>/offline.json) goes to
//   IndexedDB (offline-store.js) and the page with its assets to the cache the service worker
//   answers from when the network is gone (offline-sw.js). The panel says which audits are on
//   the phone and how old their copy is.
// - Without a connection a row's answer is saved on the phone at once (each change, and the
//   Save button, which also checks the row as the server would), and the row is marked
//   "waiting to sync"; the page reopened offline shows the queued answers again.
// - Back online (or "Sync now"), the queued answers are sent in order, each with the row version
//   it was based on, through the same save as online. A row changed meanwhile is refused (409):
//   it shows both answers and the auditor keeps one; nothing is overwritten or dropped silently.
(function () {
  "use strict";
  var panel = document.getElementById("offline-panel");
  var checklist = window.qmsChecklist;
  var store = window.qmsOfflineStore;
  var upload = window.qmsOfflineUpload;
  var conflictsReady = window.qmsOfflineConflict && window.qmsOfflineMerge;
  var container = document.getElementById("checklist");
  if (!panel || !checklist || !store || !upload || !conflictsReady || !container) { return; }
  var auditId = Number(panel.getAttribute("data-audit"));
  var user = panel.getAttribute("data-user");
  var snapshotUrl = panel.getAttribute("data-snapshot");
  var pageUrl = panel.getAttribute("data-page");
  var allowed = panel.getAttribute("data-allowed") === "1";
  var CACHE = "qms-offline";
  var FIELDS = ["result", "notes", "grade", "evidence", "statement", "requirement"];
  var copy = null; // this audit's record in IndexedDB, if saved for offline use
  var syncing = false;
  // what the last sync or save could not do (log in again, it failed): it stays in the panel,
  // whatever else redraws it, until the next try
  var notice = "";

  function text(name) { return panel.getAttribute("data-text-" + name) || ""; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return values[key] === undefined ? all : values[key]; });
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function rowElement(id) { return document.getElementById("row-" + id); }
  function formOf(row) { return row && row.querySelector("form.row-form"); }
  function status(row, message, state) {
    var el = row.querySelector(".save-status");
    if (!el) { return; }
    el.textContent = message;
    el.classList.remove("ok", "error", "pending");
    if (state) { el.classList.add(state); }
  }

  // how old a copy is, in the page's language
  function age(time) { return store.age(time, text("just-now")); }

  // --- the values of a row: read from its form, written into it ------------------------------
  function valuesOf(form) {
    var values = {};
    FIELDS.forEach(function (name) {
      if (name === "result") {
        var checked = form.querySelector("input[name=result]:checked");
        values.result = checked ? checked.value : "";
      } else if (form.elements[name]) {
        values[name] = form.elements[name].value;
      }
    });
    return values;
  }
  function setValues(form, values) {
    each(form.querySelectorAll("input[name=result]"), function (input) { input.checked = input.value === values.result; });
    FIELDS.forEach(function (name) {
      if (name !== "result" && form.elements[name] && values[name] !== undefined) { form.elements[name].value = values[name] || ""; }
    });
    var details = form.querySelector(".finding-fields");
    if (details && (values.grade || values.statement || values.evidence)) { details.open = true; }
  }

  // --- the rules of a row, as record_row checks them (from the offline copy) -----------------
  function rules() {
    var snapshot = copy && copy.snapshot;
    return snapshot ? snapshot : JSON.parse(panel.getAttribute("data-rules") || "null");
  }
  function check(values) {
    var data = rules();
    if (!data || !data.rules) { return {}; }
    var errors = {};
    if (data.rules.finding_results.indexOf(values.result) < 0) { return errors; }
    var choices = data.grades.filter(function (g) { return g.result === values.result; }).map(function (g) { return g.key; });
    var grade = values.grade || (choices.length === 1 ? choices[0] : "");
    if (choices.indexOf(grade) < 0) { errors.grade = [data.rules.messages.grade]; }
    if (data.rules.evidence_required.indexOf(values.result) >= 0 && !(values.evidence || "").trim()) {
      errors.evidence = [data.rules.messages.evidence];
    }
    if (!(values.statement || "").trim()) { errors.statement = [data.rules.messages.statement]; }
    return errors;
  }

  // --- the queue -------------------------------------------------------------------------------
  function markWaiting(row, entry) {
    row.setAttribute("data-pending", entry.state);
    var badges = row.querySelector(".row-badges");
    var badge = badges && badges.querySelector(".offline-badge");
    if (badges && !badge) {
      badge = document.createElement("span");
      badge.className = "badge warn offline-badge";
      badges.appendChild(document.createTextNode(" "));
      badges.appendChild(badge);
    }
    if (badge) { badge.textContent = entry.state === "conflict" ? text("conflict-badge") : text("waiting"); }
    status(row, entry.state === "invalid" ? text("invalid")
      : entry.state === "conflict" ? text("conflict-status") : text("saved-here"), entry.state === "queued" ? "pending" : "error");
  }
  // sent from the phone and saved on the server (until the page is opened again)
  function markSynced(row) {
    var badges = row.querySelector(".row-badges");
    if (!badges || badges.querySelector(".offline-synced")) { return; }
    var badge = document.createElement("span");
    badge.className = "badge ok offline-synced";
    badge.textContent = text("synced");
    badges.appendChild(document.createTextNode(" "));
    badges.appendChild(badge);
  }
  function unmark(row) {
    row.removeAttribute("data-pending");
    var badge = row.querySelector(".offline-badge");
    if (badge) { badge.remove(); }
    var box = row.querySelector(".offline-conflict");
    if (box) { box.remove(); }
  }

  // the row's answer as typed, on the phone at once; `shown` shows the rule errors (Save)
  function queueRow(row, shown) {
    var form = formOf(row);
    if (!form) { return Promise.resolve(); }
    var id = Number(row.getAttribute("data-row"));
    // a change still waiting to be put on the phone is in these values: its timer would only
    // put them again, after a sync perhaps, on a version the server no longer has
    clearTimeout(timers[id]);
    var values = valuesOf(form);
    var errors = check(values);
    return store.get("queue", id).then(function (old) {
      var entry = old || {
        row: id, audit: auditId, user: user, seq: Date.now() + Math.random(),
        base_version: Number(form.elements.version.value), queued_at: Date.now()
      };
      entry.values = values;
      entry.changed_at = Date.now();
      if (entry.state !== "conflict") { entry.state = Object.keys(errors).length ? "invalid" : "queued"; }
      return store.put("queue", entry).then(function () {
        row.removeAttribute("data-dirty");
        if (shown && Object.keys(errors).length) { checklist.showErrors(form, errors, text("invalid")); }
        else if (shown) { checklist.showErrors(form, {}, ""); }
        markWaiting(row, entry);
        renderPanel();
      });
    });
  }

  var timers = {};
  function queueSoon(row) {
    var id = row.getAttribute("data-row");
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { queueRow(row, false); }, 300);
  }

  function offline() { return navigator.onLine === false; }

  // offline: the Save button queues the row instead of sending it (before audit-checklist.js)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("row-form") || !offline()) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (event.submitter && event.submitter.hasAttribute("data-attach")) {
      queueFile(form.closest("article[data-row]"));
      return;
    }
    queueRow(form.closest("article[data-row]"), true);
  }, true);

  // --- evidence files (a photo from the camera) attached offline: on the phone, listed in the
  // row as waiting, uploaded after the answers -------------------------------------------------
  function listWaitingFile(row, entry) {
    var list = row.querySelector("ul.files");
    if (!list) { return; }
    var item = list.querySelector("[data-offline-file='" + entry.id + "']") || document.createElement("li");
    item.setAttribute("data-offline-file", entry.id);
    item.textContent = entry.name + (entry.description ? " " + entry.description : "") + " · " +
      (entry.error ? entry.error : entry.progress ? fill(text("uploading"), { percent: entry.progress }) : text("waiting"));
    item.className = entry.error ? "error" : "offline-file";
    list.appendChild(item);
    list.hidden = false;
  }
  function queueFile(row) {
    var form = formOf(row);
    var input = form.elements.file;
    var status = row.querySelector(".attach-status");
    var file = input && input.files && input.files[0];
    if (!file) { if (status) { status.textContent = text("no-file"); } return Promise.resolve(); }
    var entry = {
      audit: auditId, user: user, row: Number(row.getAttribute("data-row")), blob: file,
      name: file.name, description: form.elements.description.value, queued_at: Date.now(),
      key: upload.newKey()
    };
    return store.put("files", entry).then(function (id) {
      entry.id = id;
      input.value = "";
      form.elements.description.value = "";
      listWaitingFile(row, entry);
      if (status) { status.textContent = text("file-saved-here"); status.className = "attach-status pending"; }
      renderPanel();
    });
  }
  // in pieces, resumed where the server is (offline-upload.js); a drop rejects and the file
  // stays queued, sent again with the next sync
  function sendFile(entry, token) {
    var row = rowElement(entry.row);
    var form = formOf(row);
    if (!form) { return Promise.resolve(); }
    var url = form.getAttribute("action").split("#")[0] + "/uploads";
    var ready = entry.key ? Promise.resolve() : store.put("files", Object.assign(entry, { key: upload.newKey() }));
    return ready.then(function () {
      return upload.send(url, entry, token, function (offset, size) {
        entry.progress = size ? Math.floor(100 * offset / size) : 0;
        listWaitingFile(row, entry);
      });
    }).then(function (answer) {
      var item = row.querySelector("[data-offline-file='" + entry.id + "']");
      if (answer.ok) {
        return store.remove("files", entry.id).then(function () {
          var link = document.createElement("a");
          link.href = answer.data.file.url;
          link.textContent = answer.data.file.name;
          if (item) {
            item.textContent = "";
            item.className = "";
            item.removeAttribute("data-offline-file");
            item.appendChild(link);
            if (answer.data.file.description) { item.appendChild(document.createTextNode(" " + answer.data.file.description)); }
          }
        });
      }
      // refused (its type, its size, the audit closed): kept on the phone with the reason
      entry.error = (answer.data.error && answer.data.error.message) || text("invalid");
      return store.put("files", entry).then(function () { listWaitingFile(row, entry); });
    });
  }

  // offline (or with answers waiting): every change of a row is on the phone at once
  function onChange(event) {
    var form = event.target.form;
    if (!form || !form.classList.contains("row-form") || event.target.closest(".attach")) { return; }
    var row = form.closest("article[data-row]");
    if (offline() || row.hasAttribute("data-pending")) { queueSoon(row); }
  }
  container.addEventListener("input", onChange);
  container.addEventListener("change", onChange);

  // --- conflicts (offline-conflict.js) ----------------------------------------------------------
  function describe(values, labels, grades) {
    var parts = [labels[values.result || ""] || values.result || ""];
    if (values.grade) {
      var grade = grades.filter(function (g) { return g.key === values.grade; })[0];
      parts.push(grade ? grade.label : values.grade);
    }
    ["statement", "evidence", "notes"].forEach(function (name) {
      if ((values[name] || "").trim()) { parts.push(text("field-" + name) + ": " + values[name].trim()); }
    });
    return parts;
  }
  var conflicts = window.qmsOfflineConflict({
    store: store, checklist: checklist, fields: FIELDS, text: text, fill: fill, rules: rules,
    check: check, describe: describe, formOf: formOf, setValues: setValues,
    markWaiting: markWaiting, unmark: unmark, status: status, renderPanel: renderPanel,
    sync: function () { return sync(); }
  });

  // --- sync --------------------------------------------------------------------------------
  function readSnapshot() {
    return fetch(snapshotUrl, {
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") < 0) {
        var error = new Error("snapshot");
        error.status = response.status;
        error.session = type.indexOf("application/json") < 0;
        throw error;
      }
      return response.json();
    }).then(function (data) {
      // the key this user's records are encrypted with on the phone (offline-store.js)
      var key = data.key;
      delete data.key;
      return store.setKey(user, key).then(function () { return data; });
    });
  }
  // the key, from the server when the phone has none (a first visit, or after a logout)
  function ensureKey() {
    return store.hasKey(user).then(function (has) {
      if (has || offline()) { return null; }
      return readSnapshot().catch(function () { return null; });
    });
  }

  function bodyOf(entry, token) {
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("version", entry.base_version);
    FIELDS.forEach(function (name) {
      if (entry.values[name] !== undefined && (name !== "result" || entry.values.result)) { body.append(name, entry.values[name]); }
    });
    return body;
  }

  function sendOne(entry, snapshot) {
    var row = rowElement(entry.row);
    var form = formOf(row);
    if (!form) { return Promise.resolve(true); }
    status(row, text("syncing"), "pending");
    return checklist.send(form.getAttribute("action"), bodyOf(entry, snapshot.csrf_token)).then(function (answer) {
      if (!answer.data) { throw Object.assign(new Error("session"), { session: true }); }
      if (answer.ok) {
        return store.remove("queue", entry.row).then(function () {
          unmark(row);
          checklist.showErrors(form, {}, "");
          checklist.applySaved(row, answer.data);
          markSynced(row);
          status(row, answer.data.message + (answer.data.finding ? " " + answer.data.finding : ""), "ok");
          return true;
        });
      }
      if (answer.status === 409) {
        // changed meanwhile: their answer, read now, beside mine
        return readSnapshot().then(function (fresh) {
          entry.theirs = fresh.rows.filter(function (r) { return r.id === entry.row; })[0] || {};
          entry.state = "conflict";
          return store.put("queue", entry).then(function () { conflicts.show(row, entry); return true; });
        });
      }
      var error = (answer.data && answer.data.error) || {};
      entry.state = "refused";
      return store.put("queue", entry).then(function () {
        checklist.showErrors(form, error.fields || {}, error.message);
        markWaiting(row, entry);
        status(row, error.message || text("invalid"), "error");
        return true;
      });
    });
  }

  // the work under way (a sync, a copy being saved): `busy()` on window.qmsOffline
  var working = 0;
  function tracked(promise) {
    working += 1;
    return promise.then(function (value) { working -= 1; return value; },
      function (error) { working -= 1; throw error; });
  }

  function sync() {
    if (syncing || offline()) { return Promise.resolve(); }
    return tracked(syncQueue());
  }
  function syncQueue() {
    syncing = true;
    notice = "";
    setPanelStatus(text("syncing"));
    return Promise.all([store.queueOf(auditId), store.filesOf(auditId)]).then(function (found) {
      // (a record this phone cannot decrypt, `locked`, is kept and not sent)
      var entries = found[0].filter(function (e) { return String(e.user) === user && !e.locked && (e.state === "queued" || e.state === "refused"); });
      var files = found[1].filter(function (f) { return String(f.user) === user && !f.error && !f.locked; });
      if (!entries.length && !files.length) { return null; }
      return readSnapshot().then(function (snapshot) {
        if (snapshot.open === false) { throw closedError(); }
        // in order, one after the other: each waits for the one before; the files after the
        // answers
        return entries.reduce(function (done, entry) {
          return done.then(function () { return sendOne(entry, snapshot); });
        }, Promise.resolve()).then(function () {
          return files.reduce(function (done, file) {
            return done.then(function () { return sendFile(file, snapshot.csrf_token); });
          }, Promise.resolve());
        }).then(function () { return snapshot; });
      });
    }).then(function (snapshot) {
      syncing = false;
      retries = 0;
      // the copy on the phone follows what the server now holds
      if (snapshot && copy) { return saveOffline(true); }
      renderPanel();
    }, function (error) {
      syncing = false;
      if (error && error.closed) { return closedMeanwhile(); }
      notice = error && error.session ? text("login") : text("sync-failed");
      renderPanel();
      // a signal that comes and goes: tried again a little later, while the page is online
      if (!(error && error.session) && retries < 6) {
        retries += 1;
        setTimeout(sync, 1000 * Math.pow(2, retries - 1));
      }
    });
  }
  var retries = 0;

  // --- saving the audit for offline use ------------------------------------------------------
  function assets() {
    var urls = [pageUrl];
    each(document.querySelectorAll("link[rel=stylesheet], link[rel=icon], link[rel=manifest], link[rel=apple-touch-icon], script[src]"), function (el) {
      var url = new URL(el.href || el.src, location.href);
      if (url.origin === location.origin) { urls.push(url.pathname + url.search); }
    });
    return urls;
  }

  function saveOffline(quiet) { return tracked(saveCopy(quiet)); }
  function saveCopy(quiet) {
    notice = "";
    if (!quiet) { setPanelStatus(text("saving")); }
    var ready = navigator.serviceWorker ? navigator.serviceWorker.ready : Promise.resolve();
    return readSnapshot().then(function (snapshot) {
      if (snapshot.open === false) { throw closedError(); }
      return caches.open(CACHE).then(function (cache) {
        return cache.addAll(assets());
      }).then(function () {
        copy = {
          id: auditId, user: user, saved_at: Date.now(), reference: snapshot.audit.reference,
          page: pageUrl, snapshot: snapshot
        };
        return store.put("audits", copy);
      }).then(function () { return ready; });
    }).then(function () { renderPanel(); }, function (error) {
      if (error && error.closed) { return closedMeanwhile(); }
      notice = error && error.session ? text("login") : text("save-failed");
      renderPanel();
    });
  }

  function removeCopy() {
    copy = null;
    return store.remove("audits", auditId).then(function () {
      return window.caches ? caches.open(CACHE).then(function (cache) { return cache.delete(pageUrl, { ignoreSearch: true }); }) : null;
    });
  }
  function removeOffline() { return removeCopy().then(function () { renderPanel(); }); }

  // --- an audit no longer open to answers (reported) ------------------------------------------
  function closedError() { return Object.assign(new Error("closed"), { closed: true }); }
  // learned while the page was open: the copy goes; the page, opened again, lists what could
  // not be synced (closedPage)
  function closedMeanwhile() {
    return removeCopy().then(function () { location.reload(); });
  }
  // the page of an audit this user may no longer answer: its copy leaves the phone; the
  // changes still queued for it are listed as not synced, kept until the auditor discards them
  function closedPage() {
    var own = function (e) { return String(e.user) === user; };
    return Promise.all([store.get("audits", auditId), store.queueOf(auditId), store.filesOf(auditId)]).then(function (found) {
      var had = found[0] && own(found[0]);
      var entries = found[1].filter(own);
      var files = found[2].filter(own);
      return (had ? removeCopy() : Promise.resolve()).then(function () {
        if (!entries.length && !files.length) { return; }
        var labels = JSON.parse(container.getAttribute("data-results") || "{}");
        var list = panel.querySelector("[data-offline-unsynced]");
        entries.forEach(function (entry) {
          var row = rowElement(entry.row);
          var clause = row ? row.querySelector(".row-head strong").textContent : "";
          var item = document.createElement("li");
          item.textContent = clause + ": " + (entry.locked ? "…" : describe(entry.values, labels, []).join(" · "));
          list.appendChild(item);
        });
        files.forEach(function (entry) {
          var item = document.createElement("li");
          item.textContent = entry.name + (entry.description ? " " + entry.description : "");
          list.appendChild(item);
        });
        panel.querySelector("[data-offline-closed]").textContent = fill(text("closed"), { count: entries.length + files.length });
        var discard = panel.querySelector("[data-offline-discard]");
        discard.addEventListener("click", function () {
          Promise.all(entries.map(function (e) { return store.remove("queue", e.row); })
            .concat(files.map(function (f) { return store.remove("files", f.id); }))).then(function () {
            list.textContent = "";
            discard.hidden = true;
            panel.querySelector("[data-offline-closed]").textContent = text("discarded");
          });
        });
        panel.hidden = false;
      });
    });
  }

  // --- the panel: this audit's copy, the queue, the other audits on the phone ---------------
  function setPanelStatus(message) {
    var el = panel.querySelector("[data-offline-status]");
    el.textContent = message || "";
    el.hidden = !message;
  }

  function renderPanel() {
    return Promise.all([store.all("audits"), store.queueOf(auditId), store.filesOf(auditId)]).then(function (found) {
      var copies = found[0].filter(function (c) { return String(c.user) === user; });
      var queue = found[1].filter(function (e) { return String(e.user) === user; })
        .concat(found[2].filter(function (f) { return String(f.user) === user; }));
      var state = panel.querySelector("[data-offline-state]");
      state.textContent = copy ? fill(text("available"), { age: age(copy.saved_at) }) : text("not-available");
      panel.classList.toggle("is-offline", offline());
      panel.querySelector("[data-offline-network]").hidden = !offline();
      panel.querySelector("[data-offline-save]").textContent = copy ? text("update") : text("save");
      panel.querySelector("[data-offline-save]").hidden = offline();
      panel.querySelector("[data-offline-remove]").hidden = !copy || offline();
      var sync = panel.querySelector("[data-offline-sync]");
      sync.hidden = !queue.length || offline();
      var conflicts = queue.filter(function (e) { return e.state === "conflict"; }).length;
      var waiting = panel.querySelector("[data-offline-queue]");
      waiting.hidden = !queue.length;
      waiting.textContent = fill(text("queue"), { count: queue.length - conflicts }) +
        (conflicts ? " " + fill(text("conflicts"), { count: conflicts }) : "");
      var others = copies.filter(function (c) { return c.id !== auditId; });
      var list = panel.querySelector("[data-offline-list]");
      list.textContent = "";
      others.forEach(function (other) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = other.page;
        link.textContent = other.reference;
        item.appendChild(link);
        item.appendChild(document.createTextNode(" · " + fill(text("available"), { age: age(other.saved_at) })));
        list.appendChild(item);
      });
      panel.querySelector("[data-offline-others]").hidden = !others.length;
      setPanelStatus(syncing ? text("syncing") : notice);
    });
  }

  if (!allowed) {
    ensureKey().then(closedPage);
    window.qmsOffline = { busy: function () { return working; } };
    return;
  }
  panel.querySelector("[data-offline-save]").addEventListener("click", function () { saveOffline(false); });
  panel.querySelector("[data-offline-remove]").addEventListener("click", removeOffline);
  panel.querySelector("[data-offline-sync]").addEventListener("click", function () { sync(); });
  window.addEventListener("online", function () { renderPanel().then(sync); });
  window.addEventListener("offline", function () { renderPanel(); });

  // --- at load: the copy, the queued answers over the page, a sync if back online -----------
  ensureKey().then(function () {
    return store.get("audits", auditId);
  }).then(function (found) {
    copy = found && String(found.user) === user && !found.locked ? found : null;
    return store.queueOf(auditId);
  }).then(function (entries) {
    (entries || []).filter(function (e) { return String(e.user) === user && !e.locked; }).forEach(function (entry) {
      var row = rowElement(entry.row);
      var form = formOf(row);
      if (!form) { return; }
      setValues(form, entry.values);
      if (entry.state === "conflict") { conflicts.show(row, entry); } else { markWaiting(row, entry); }
      if (entry.state === "invalid") { checklist.showErrors(form, check(entry.values), text("invalid")); }
    });
    return store.filesOf(auditId);
  }).then(function (files) {
    files.filter(function (f) { return String(f.user) === user && !f.locked; }).forEach(function (entry) {
      var row = rowElement(entry.row);
      if (row) { listWaitingFile(row, entry); }
    });
    panel.hidden = false;
    return renderPanel();
  }).then(function () {
    if (!offline()) { return sync(); }
  });

  window.qmsOffline = { busy: function () { return working; }, sync: sync, saveOffline: saveOffline, removeOffline: removeOffline, queueRow: queueRow };
}());
