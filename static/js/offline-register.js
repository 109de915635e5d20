// Installs the service worker (/sw.js) and keeps the offline copies to their user: logged out
// (the login page), every saved checklist and its cached pages are removed from the phone, and
// the keys the records are encrypted with; a different user logged in, the copies and keys of
// the others are removed. Answers waiting to sync stay, encrypted, for their own user
// (offline-store.js).
(function () {
  "use strict";
  var script = document.currentScript;
  var user = script ? script.getAttribute("data-user") : "";
  if ("serviceWorker" in navigator && script && script.getAttribute("data-sw")) {
    navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: "/" }).catch(function () {});
  }
  var store = window.qmsOfflineStore;
  if (!store) { return; }
  // the keys of the records (offline-store.js): none on the login page, only the user's own
  store.forgetKeys(user || null).catch(function () {});
  store.all("audits").then(function (copies) {
    var gone = copies.filter(function (copy) { return !user || String(copy.user) !== user; });
    if (!gone.length && user) { return; }
    gone.forEach(function (copy) {
      store.remove("audits", copy.id);
      if (window.caches && copy.page) {
        caches.open("qms-offline").then(function (cache) { cache.delete(copy.page, { ignoreSearch: true }); });
      }
    });
    if (!user && window.caches) { caches.delete("qms-offline"); }
  }).catch(function () {});
}());
