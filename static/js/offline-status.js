// What this phone holds of each audit, on the audit list and an audit's page: every element
// [data-offline-summary="<audit id>"] shows, read from IndexedDB (offline-store.js), whether
// the audit is saved for offline use and how old its copy is, how many changes wait to sync
// and how many are in conflict, or that all is synced. The texts are this script's data-text-*
// attributes. An element with data-open="0" (the audit takes no more answers: reported) has its
// copy removed from the phone here, as its checklist page does; what could not be synced stays
// listed there until the auditor discards it.
(function () {
  "use strict";
  var script = document.currentScript;
  var store = window.qmsOfflineStore;
  var places = document.querySelectorAll("[data-offline-summary]");
  if (!script || !store || !places.length) { return; }
  var user = script.getAttribute("data-user");
  function text(name) { return script.getAttribute("data-text-" + name) || ""; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return values[key] === undefined ? all : values[key]; });
  }
  function own(record) { return String(record.user) === user; }

  function removeCopy(copy) {
    return store.remove("audits", copy.id).then(function () {
      if (window.caches && copy.page) {
        return caches.open("qms-offline").then(function (cache) { return cache.delete(copy.page, { ignoreSearch: true }); });
      }
    });
  }

  // what one audit has on the phone, as a line of badges
  function show(place, copy, queue, files) {
    var open = place.getAttribute("data-open") !== "0";
    var conflicts = queue.filter(function (e) { return e.state === "conflict"; }).length;
    var waiting = queue.length - conflicts + files.length;
    var parts = [];
    // in a list, short: on this phone; on the audit's page, with the copy's age
    var saved = place.hasAttribute("data-compact") ? text("on-phone")
      : copy && fill(text("copy"), { age: store.age(copy.saved_at, text("just-now")) });
    if (copy && open) { parts.push(["", saved]); }
    if (!open && waiting + conflicts) { parts.push(["bad", fill(text("not-synced"), { count: waiting + conflicts })]); }
    if (open && waiting) { parts.push(["warn", fill(text("waiting"), { count: waiting })]); }
    if (open && conflicts) { parts.push(["bad", fill(text("conflicts"), { count: conflicts })]); }
    if (open && copy && !waiting && !conflicts) { parts.push(["ok", text("synced")]); }
    place.textContent = "";
    parts.forEach(function (part) {
      var badge = document.createElement("span");
      badge.className = "badge " + part[0];
      badge.textContent = part[1];
      place.appendChild(badge);
      place.appendChild(document.createTextNode(" "));
    });
    place.hidden = !parts.length;
  }

  store.all("audits").then(function (copies) {
    var mine = {};
    copies.filter(own).forEach(function (copy) { mine[copy.id] = copy; });
    Array.prototype.forEach.call(places, function (place) {
      var id = Number(place.getAttribute("data-offline-summary"));
      var copy = mine[id];
      var gone = copy && place.getAttribute("data-open") === "0" ? removeCopy(copy) : Promise.resolve();
      Promise.all([store.queueOf(id), store.filesOf(id), gone]).then(function (found) {
        show(place, copy, found[0].filter(own), found[1].filter(own));
      });
    });
  }).catch(function () {});
}());
