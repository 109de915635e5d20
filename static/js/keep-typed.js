// Switching the language reloads the page, which would drop what the user typed (a refused
// form included). Just before the switch, the values of the page's forms are kept in this tab's
// sessionStorage under the address the switch returns to; that page puts them back once.
(function () {
  "use strict";
  const PREFIX = "qms-typed:";
  const SKIPPED = new Set(["password", "file", "hidden", "submit", "button", "reset"]);

  function formKey(form) {
    return form.getAttribute("action") || "";
  }

  function collect() {
    const forms = [];
    document.querySelectorAll("main form").forEach(function (form) {
      const values = [];
      for (const field of form.elements) {
        if (!field.name || SKIPPED.has(field.type)) continue;
        if (field.type === "checkbox" || field.type === "radio") {
          values.push([field.name, field.value, field.checked]);
        } else if (field.tagName === "SELECT" && field.multiple) {
          for (const option of field.options) values.push([field.name, option.value, option.selected]);
        } else {
          values.push([field.name, field.value, null]);
        }
      }
      forms.push([formKey(form), values]);
    });
    return forms;
  }

  function restore(forms) {
    const byKey = new Map(forms);
    document.querySelectorAll("main form").forEach(function (form) {
      const values = byKey.get(formKey(form));
      if (!values) return;
      for (const [name, value, checked] of values) {
        for (const field of form.querySelectorAll('[name="' + CSS.escape(name) + '"]')) {
          if (SKIPPED.has(field.type)) continue;
          if (checked === null) {
            field.value = value;
          } else if (field.tagName === "SELECT") {
            for (const option of field.options) if (option.value === value) option.selected = checked;
          } else if (field.value === value) {
            field.checked = checked;
          }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const key = PREFIX + location.pathname + location.search;
    const saved = sessionStorage.getItem(key);
    if (saved) {
      sessionStorage.removeItem(key);
      restore(JSON.parse(saved));
    }
    const switcher = document.querySelector("form.language-switch");
    if (!switcher) return;
    switcher.addEventListener("submit", function () {
      const next = switcher.querySelector("input[name=next]").value;
      sessionStorage.setItem(PREFIX + next, JSON.stringify(collect()));
    });
  });
})();
