// A file kept on the phone (a photo taken offline) sent in pieces of the size the server asks
// for (256 KB by default), each at the place the one before ended. The upload has the phone's
// own random key (kept with the file in IndexedDB), so after a drop the phone asks the server
// how much it has and goes on from there; a piece refused as out of place (409) says the same.
// Once whole, the server attaches the file as an upload in one piece (the same checks).
// window.qmsOfflineUpload.send(url, entry, token, progress) → a promise of the server's last
// answer {ok, status, data} (data.done and data.file once attached; a refusal otherwise); it
// rejects when the network fails (the file stays queued and is sent again later), or with
// {session: true} when the session has ended.
(function () {
  "use strict";

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      if (value instanceof Blob) { body.append(name, value, "piece"); } else { body.append(name, value); }
    });
    return window.qmsChecklist.send(url, body).then(function (answer) {
      if (!answer.data) { throw Object.assign(new Error("session"), { session: true }); }
      return answer;
    });
  }

  function send(url, entry, token, progress) {
    var blob = entry.blob;
    var size = 0;
    function piece(offset) {
      if (progress) { progress(offset, blob.size); }
      return post(url + "/" + entry.key, {
        csrf_token: token, offset: String(offset), chunk: blob.slice(offset, offset + size)
      }).then(function (answer) {
        if (answer.ok && answer.data.done) { return answer; }
        // on, from where the server is (after this piece, or where it says it is)
        if (answer.ok || (answer.status === 409 && typeof answer.data.offset === "number")) {
          return piece(answer.data.offset);
        }
        return answer;
      });
    }
    return post(url, {
      csrf_token: token, key: entry.key, name: entry.name, size: String(blob.size),
      description: entry.description || ""
    }).then(function (answer) {
      if (!answer.ok || answer.data.done) { return answer; }
      size = answer.data.chunk_size;
      return piece(answer.data.offset);
    });
  }

  window.qmsOfflineUpload = { send: send, newKey: newKey };
}());
