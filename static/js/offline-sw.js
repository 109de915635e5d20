// The service worker of qms (served as /sw.js, scope "/"). It caches nothing by itself: the
// checklist page puts into the cache "qms-offline" the page and assets of an audit the auditor
// saved for offline use (static/js/offline.js). Every request goes to the network first; only
// when the network fails is a GET answered from that cache (a checklist page whatever its
// ?show=). So no other page, no other user's page and no API answer is ever served from it.
"use strict";

var CACHE = "qms-offline";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  event.respondWith(fetch(request).catch(function (error) {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true });
    }).then(function (cached) {
      if (cached) { return cached; }
      throw error;
    });
  }));
});
