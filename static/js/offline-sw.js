// The service worker of qms (served as /sw.js, scope "/"). It caches nothing by itself: the
// checklist page puts into the cache "qms-offline" the page and assets of an audit the auditor
// saved for offline use (static/js/offline.js). A checklist page or a static asset goes to the
// network first; only when the network fails is it answered from that cache (a checklist page
// whatever its ?show=). So no other page, no other user's page and no API answer is ever served from it.
"use strict";

var CACHE = "qms-offline";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

// what may come from the cache: a checklist page and the static assets; every other request
// (downloads, reports, the API, the offline copy's JSON) is left to the browser as if there
// were no service worker
var CHECKLIST = /^\/audits\/\d+\/checklist$/;

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var page = request.mode === "navigate" && CHECKLIST.test(url.pathname);
  if (!page && url.pathname.indexOf("/static/") !== 0) { return; }
  event.respondWith(fetch(request).catch(function (error) {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true });
    }).then(function (cached) {
      if (cached) { return cached; }
      throw error;
    });
  }));
});
