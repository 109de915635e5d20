// Merging a conflict field by field (offline.js shows the conflict; this builds its merge).
// For each field where my answer and theirs differ (result, notes, grade, evidence, finding,
// requirement): both values, a choice of one, and the merged value, which the auditor may
// also edit. The fields both sides agree on are kept as they are. "Save the merged answer"
// hands the merged values to `options.send`, which checks them as a row is checked and sends
// them on the server's version (their answer is replaced by the merge, the history keeps
// both); its errors come back by field and show here. Nothing is sent before that button.
// window.qmsOfflineMerge(options) → the element; options: {mine, theirs, fields, label(name),
// shown(name, value), choices(name) → [[value, label]] for a choice field (else a text),
// text(key), send(values) → promise of {field: [messages]} (empty when sent), cancel()}.
(function () {
  "use strict";

  function norm(value) { return (value === undefined || value === null) ? "" : String(value).trim(); }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined) { el.textContent = text; }
    return el;
  }

  function editorFor(name, options, id) {
    var choices = options.choices(name);
    var editor;
    if (choices) {
      editor = element("select");
      choices.forEach(function (pair) {
        var option = element("option", "", pair[1]);
        option.value = pair[0];
        editor.appendChild(option);
      });
    } else {
      editor = element("textarea");
      editor.rows = 2;
    }
    editor.id = id;
    editor.setAttribute("data-merge-value", name);
    return editor;
  }

  function field(name, options, uid) {
    var box = element("fieldset", "merge-field");
    box.setAttribute("data-merge-field", name);
    box.setAttribute("data-field", name);
    box.appendChild(element("legend", "", options.label(name)));
    var editor = editorFor(name, options, uid + "-" + name);
    [["mine", options.mine[name]], ["theirs", options.theirs[name]]].forEach(function (side) {
      var label = element("label", "merge-choice");
      var radio = element("input");
      radio.type = "radio";
      radio.name = uid + "-" + name;
      radio.value = side[0];
      radio.setAttribute("data-merge-take", side[0]);
      radio.checked = side[0] === "mine";
      radio.addEventListener("change", function () { editor.value = norm(side[1]); });
      label.appendChild(radio);
      label.appendChild(element("span", "", options.text("merge-" + side[0]) + ": " + (options.shown(name, side[1]) || "–")));
      box.appendChild(label);
    });
    var editing = element("label", "merge-edit", options.text("merge-value"));
    editing.htmlFor = editor.id;
    box.appendChild(editing);
    editor.value = norm(options.mine[name]);
    box.appendChild(editor);
    return box;
  }

  window.qmsOfflineMerge = function (options) {
    var uid = "merge-" + Math.random().toString(36).slice(2, 8);
    var box = element("div", "offline-merge");
    box.appendChild(element("p", "", options.text("merge-intro")));
    var differing = options.fields.filter(function (name) { return norm(options.mine[name]) !== norm(options.theirs[name]); });
    differing.forEach(function (name) { box.appendChild(field(name, options, uid)); });
    var top = element("div", "row-errors");
    box.appendChild(top);
    var actions = element("div", "offline-actions");
    var send = element("button", "button primary", options.text("merge-send"));
    send.type = "button";
    send.setAttribute("data-merge-send", "");
    var cancel = element("button", "button", options.text("merge-cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", function () { box.remove(); if (options.cancel) { options.cancel(); } });
    actions.appendChild(send);
    actions.appendChild(cancel);
    box.appendChild(actions);

    send.addEventListener("click", function () {
      var values = {};
      options.fields.forEach(function (name) { values[name] = norm(options.theirs[name]); });
      Array.prototype.forEach.call(box.querySelectorAll("[data-merge-value]"), function (editor) {
        values[editor.getAttribute("data-merge-value")] = editor.value;
      });
      send.disabled = true;
      options.send(values).then(function (errors) {
        send.disabled = false;
        window.qmsChecklist.showErrors(box, errors || {}, "");
      });
    });
    return box;
  };
}());
