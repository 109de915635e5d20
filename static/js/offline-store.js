// What the phone keeps of the checklists taken offline, in IndexedDB (database "qms-offline"):
// - "audits": one record per audit saved for offline use {id, user, saved_at, page, reference,
//   snapshot} (the snapshot is the server's /audits/<id>/offline.json as read when saved);
// - "queue": the answers typed without a signal, one per row {row, audit, user, seq,
//   base_version, values, queued_at, state: "queued" | "invalid" | "refused" | "conflict",
//   theirs (the server's row when in conflict)};
// - "files": the evidence photos and files attached without a signal {id, audit, user, row,
//   key, blob, name, description, queued_at, error}, uploaded after the answers;
// - "keys": the key each user's records are encrypted with {user, key}.
// Encrypted at rest: what a record says of the audit (SECRET below: the answers, the copy, the
// photo and its name) is AES-GCM encrypted with the user's key before it is written, and
// decrypted when read; only what the pages count by (ids, user, state, times) stays plain. The
// key is the server's (offline.json, `key`: derived per user from the server's secret, handed
// only to that user logged in), imported as a key the page cannot export, and deleted from the
// phone when it shows the login page (offline-register.js): logged out, the records left (a
// queue waiting for the next login) cannot be read until the same user logs in again. Where
// the browser has no WebCrypto (a page not served over HTTPS), records are kept unencrypted,
// and cleared at logout as the copies are. A queued answer is never dropped without the
// auditor choosing so.
(function () {
  "use strict";
  if (!window.indexedDB) { return; }
  var NAME = "qms-offline";
  var opening = null;

  function open() {
    if (opening) { return opening; }
    opening = new Promise(function (resolve, reject) {
      var request = indexedDB.open(NAME, 3);
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
        if (!db.objectStoreNames.contains("keys")) { db.createObjectStore("keys", { keyPath: "user" }); }
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

  // --- encryption at rest ---------------------------------------------------------------------
  var SECRET = { audits: ["reference", "snapshot"], queue: ["values", "theirs"], files: ["name", "description", "blob"] };
  var subtle = window.crypto && window.crypto.subtle;
  var keys = {}; // user -> promise of the CryptoKey (or null)

  function keyOf(user) {
    var name = String(user);
    if (!keys[name]) {
      keys[name] = run("keys", "readonly", function (s) { return s.get(name); })
        .then(function (found) { return found ? found.key : null; });
    }
    return keys[name];
  }
  function setKey(user, raw) {
    if (!subtle || !raw) { return Promise.resolve(null); }
    var bytes = Uint8Array.from(atob(raw), function (c) { return c.charCodeAt(0); });
    return subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]).then(function (key) {
      keys[String(user)] = Promise.resolve(key);
      return run("keys", "readwrite", function (s) { return s.put({ user: String(user), key: key }); }).then(function () { return key; });
    });
  }
  // every key but `user`'s (none: every key) leaves the phone
  function forgetKeys(user) {
    return run("keys", "readonly", function (s) { return s.getAllKeys(); }).then(function (names) {
      return Promise.all(names.filter(function (name) { return !user || name !== String(user); }).map(function (name) {
        delete keys[name];
        return run("keys", "readwrite", function (s) { return s.delete(name); });
      }));
    });
  }

  function encrypt(key, bytes) {
    var iv = window.crypto.getRandomValues(new Uint8Array(12));
    return subtle.encrypt({ name: "AES-GCM", iv: iv }, key, bytes).then(function (data) { return { iv: iv, data: data }; });
  }
  function decrypt(key, box) {
    return subtle.decrypt({ name: "AES-GCM", iv: box.iv }, key, box.data);
  }

  // the record as written: its secret fields in one encrypted box, a blob in one of its own
  function seal(store, value) {
    var fields = SECRET[store];
    if (!fields || !subtle || value.user === undefined) { return Promise.resolve(value); }
    return keyOf(value.user).then(function (key) {
      if (!key) { return value; } // no key yet (never read from the server): kept as it is
      var sealed = {};
      var secret = {};
      Object.keys(value).forEach(function (name) {
        if (fields.indexOf(name) < 0) { sealed[name] = value[name]; } else if (name !== "blob") { secret[name] = value[name]; }
      });
      var bytes = new TextEncoder().encode(JSON.stringify(secret));
      var blob = value.blob;
      return Promise.all([
        encrypt(key, bytes),
        blob ? blob.arrayBuffer().then(function (data) { return encrypt(key, data); }) : null
      ]).then(function (boxes) {
        sealed.sealed = boxes[0];
        if (boxes[1]) { sealed.sealedBlob = Object.assign(boxes[1], { type: blob.type }); }
        return sealed;
      });
    });
  }
  // the record as read: decrypted with its user's key; without it (logged out), `locked`
  function unseal(value) {
    if (!value || !value.sealed) { return Promise.resolve(value); }
    return keyOf(value.user).then(function (key) {
      var plain = Object.assign({}, value);
      delete plain.sealed;
      delete plain.sealedBlob;
      if (!key) { plain.locked = true; return plain; }
      return Promise.all([
        decrypt(key, value.sealed),
        value.sealedBlob ? decrypt(key, value.sealedBlob) : null
      ]).then(function (found) {
        Object.assign(plain, JSON.parse(new TextDecoder().decode(found[0])));
        if (found[1]) { plain.blob = new Blob([found[1]], { type: value.sealedBlob.type }); }
        return plain;
      }, function () { plain.locked = true; return plain; });
    });
  }
  function unsealAll(values) { return Promise.all((values || []).map(unseal)); }

  window.qmsOfflineStore = {
    get: function (store, key) { return run(store, "readonly", function (s) { return s.get(key); }).then(unseal); },
    put: function (store, value) {
      return seal(store, value).then(function (sealed) { return run(store, "readwrite", function (s) { return s.put(sealed); }); });
    },
    remove: function (store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); },
    all: function (store) { return run(store, "readonly", function (s) { return s.getAll(); }).then(unsealAll); },
    queueOf: function (audit) {
      return run("queue", "readonly", function (s) { return s.index("audit").getAll(audit); })
        .then(unsealAll)
        .then(function (entries) { return entries.sort(function (a, b) { return a.seq - b.seq; }); });
    },
    filesOf: function (audit) {
      return run("files", "readonly", function (s) { return s.index("audit").getAll(audit); }).then(unsealAll);
    },
    setKey: setKey,
    hasKey: function (user) { return keyOf(user).then(Boolean); },
    forgetKeys: forgetKeys,
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
