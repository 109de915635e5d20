// Conflicts of the offline checklist (for offline.js, which hands over its pieces in `ctx`):
// a row changed by someone else while this phone was offline comes back from the sync as a
// conflict; both answers are shown side by side (mine, theirs, who and when) and the auditor
// keeps mine (sent again on the version holding theirs), keeps theirs (mine is dropped, as
// chosen), or merges them field by field (offline-merge.js). Nothing is overwritten or dropped
// without that choice.
// window.qmsOfflineConflict(ctx) → {show(row, entry)}; ctx: {store, checklist, fields, text,
// fill, rules, check, describe, formOf, setValues, markWaiting, unmark, status, renderPanel,
// sync}.
(function () {
  "use strict";
  window.qmsOfflineConflict = function (ctx) {
    var store = ctx.store;
    var checklist = ctx.checklist;
    var FIELDS = ctx.fields;
    var text = ctx.text;
    var fill = ctx.fill;
    var rules = ctx.rules;
    var check = ctx.check;
    var describe = ctx.describe;
    var formOf = ctx.formOf;
    var setValues = ctx.setValues;
    var markWaiting = ctx.markWaiting;
    var unmark = ctx.unmark;
    var status = ctx.status;
    var renderPanel = ctx.renderPanel;
    var sync = ctx.sync;

    function column(title, lines) {
      var box = document.createElement("div");
      box.className = "conflict-side";
      var heading = document.createElement("strong");
      heading.textContent = title;
      box.appendChild(heading);
      var list = document.createElement("ul");
      lines.forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        list.appendChild(item);
      });
      box.appendChild(list);
      return box;
    }
    function showConflict(row, entry) {
      var old = row.querySelector(".offline-conflict");
      if (old) { old.remove(); }
      var data = rules() || {};
      var labels = data.results || {};
      var grades = data.grades || [];
      var theirs = entry.theirs || {};
      var box = document.createElement("div");
      box.className = "offline-conflict flash flash-error";
      box.setAttribute("role", "alert");
      var intro = document.createElement("p");
      intro.textContent = fill(text("conflict"), {
        name: theirs.changed_by || "?",
        when: theirs.changed_at ? new Date(theirs.changed_at).toLocaleString(document.documentElement.lang || "id") : ""
      });
      box.appendChild(intro);
      var sides = document.createElement("div");
      sides.className = "conflict-sides";
      sides.appendChild(column(text("mine"), describe(entry.values, labels, grades)));
      sides.appendChild(column(fill(text("theirs"), { name: theirs.changed_by || "?" }), describe(theirs, labels, grades)));
      box.appendChild(sides);
      var actions = document.createElement("div");
      actions.className = "offline-actions";
      [["keep-mine", keepMine], ["keep-theirs", keepTheirs], ["merge", openMerge]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button" + (pair[0] === "keep-mine" ? " primary" : "");
        button.setAttribute("data-" + pair[0], "");
        button.textContent = text(pair[0]);
        button.addEventListener("click", function () { pair[1](row, entry.row); });
        actions.appendChild(button);
      });
      box.appendChild(actions);
      var form = formOf(row);
      form.parentNode.insertBefore(box, form);
      markWaiting(row, entry);
    }

    // mine: sent again, now based on the version that holds their answer (it replaces it, as
    // the auditor chose; the history keeps theirs)
    function keepMine(row, id) {
      return store.get("queue", id).then(function (entry) {
        if (!entry) { return; }
        entry.base_version = entry.theirs.version;
        entry.state = Object.keys(check(entry.values)).length ? "invalid" : "queued";
        delete entry.theirs;
        return store.put("queue", entry).then(function () {
          unmark(row);
          markWaiting(row, entry);
          return sync();
        });
      });
    }
    // theirs: my queued answer is dropped (the auditor chose so) and the row shows theirs
    function keepTheirs(row, id) {
      return store.get("queue", id).then(function (entry) {
        if (!entry) { return; }
        return store.remove("queue", id).then(function () {
          var form = formOf(row);
          setValues(form, entry.theirs);
          checklist.showErrors(form, {}, "");
          unmark(row);
          checklist.applySaved(row, entry.theirs);
          status(row, text("kept-theirs"), "ok");
          renderPanel();
        });
      });
    }

    // merged: field by field, mine or theirs or edited (offline-merge.js), then sent on the
    // version that holds theirs, as an answer of mine
    function openMerge(row, id) {
      var box = row.querySelector(".offline-conflict");
      if (!box || box.querySelector(".offline-merge")) { return Promise.resolve(); }
      return store.get("queue", id).then(function (entry) {
        if (!entry) { return; }
        var data = rules() || {};
        var labels = data.results || {};
        var grades = data.grades || [];
        var gradeLabel = function (key) {
          var grade = grades.filter(function (g) { return g.key === key; })[0];
          return grade ? grade.label : key;
        };
        var merge = window.qmsOfflineMerge({
          mine: entry.values,
          theirs: entry.theirs,
          fields: FIELDS,
          label: function (name) { return text("field-" + name); },
          shown: function (name, value) {
            if (name === "result") { return labels[value || ""]; }
            if (name === "grade") { return value ? gradeLabel(value) : ""; }
            return (value || "").trim();
          },
          choices: function (name) {
            if (name === "result") { return Object.keys(labels).map(function (key) { return [key, labels[key]]; }); }
            if (name === "grade") { return [["", "–"]].concat(grades.map(function (g) { return [g.key, g.label]; })); }
            return null;
          },
          text: text,
          send: function (values) {
            var errors = check(values);
            if (Object.keys(errors).length) { return Promise.resolve(errors); }
            return sendMerged(row, id, values).then(function () { return {}; });
          }
        });
        box.appendChild(merge);
        var first = merge.querySelector("input, select, textarea");
        if (first) { first.focus(); }
      });
    }
    function sendMerged(row, id, values) {
      return store.get("queue", id).then(function (entry) {
        if (!entry) { return; }
        entry.values = values;
        entry.base_version = entry.theirs.version;
        entry.state = "queued";
        entry.merged = true;
        delete entry.theirs;
        return store.put("queue", entry).then(function () {
          setValues(formOf(row), values);
          unmark(row);
          markWaiting(row, entry);
          return sync();
        });
      });
    }

    return { show: showConflict };
  };
}());
