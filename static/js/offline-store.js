// What the phone keeps of the checklists taken offline, in IndexedDB (database "qms-offline"):
// - "audits": one record per audit saved for offline use {id, user, saved_at, reference, snapshot}
//   (the snapshot is the server's /audits/<id>/offline.json as read when saved);
// - "queue": the answers typed without a signal, one per row {row, audit, user, seq,
//   base_version, values, queued_at, state: "queued" | "invalid" | "refused" | "conflict",
//   theirs (the server's row when in conflict)};
// - "files": the evidence photos and files attached without a signal {id, audit, user, row,
//   blob, name, description, queued_at, error}, uploaded after the answers.
// The page clears the saved copies at logout (offline-register.js); a queued answer is kept
// for its user's next login: it is never dropped without the auditor choosing so.
(function () {
  "use strict";
  if (!window.indexedDB) { return; }
  var NAME = "qms-offline";
  var opening = null;

  function open() {
    if (opening) { return opening; }
    opening = new Promise(function (resolve, reject) {
      var request = indexedDB.open(NAME, 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("audits")) { db.createObjectStore("audits", { keyPath: "id" }); }
        if (!db.objectStoreNames.contains("queue")) {
          var queue = db.createObjectStore("queue", { keyPath: "row" });
          queue.createIndex("audit", "audit");
        }
        if (!db.objectStoreNames.contains("files")) {
          var files = db.createObjectStore("files", { keyPath: "id", autoIncrement: true });
          files.createIndex("audit", "audit");
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { opening = null; reject(request.error); };
    });
    return opening;
  }

  // one request in its own transaction, its result as a promise (resolved once committed)
  function run(store, mode, make) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var request = make(tx.objectStore(store));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  window.qmsOfflineStore = {
    get: function (store, key) { return run(store, "readonly", function (s) { return s.get(key); }); },
    put: function (store, value) { return run(store, "readwrite", function (s) { return s.put(value); }); },
    remove: function (store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); },
    all: function (store) { return run(store, "readonly", function (s) { return s.getAll(); }); },
    queueOf: function (audit) {
      return run("queue", "readonly", function (s) { return s.index("audit").getAll(audit); })
        .then(function (entries) { return entries.sort(function (a, b) { return a.seq - b.seq; }); });
    },
    filesOf: function (audit) {
      return run("files", "readonly", function (s) { return s.index("audit").getAll(audit); });
    },
    // how old a copy saved at `time` is, in the page's language ("5 minutes ago")
    age: function (time, justNow) {
      var minutes = Math.round((Date.now() - time) / 60000);
      var format = window.Intl && Intl.RelativeTimeFormat
        ? new Intl.RelativeTimeFormat(document.documentElement.lang || "id", { numeric: "auto" }) : null;
      if (!format) { return new Date(time).toLocaleString(); }
      if (minutes < 1) { return justNow; }
      if (minutes < 60) { return format.format(-minutes, "minute"); }
      if (minutes < 48 * 60) { return format.format(-Math.round(minutes / 60), "hour"); }
      return format.format(-Math.round(minutes / 1440), "day");
    }
  };
}());
