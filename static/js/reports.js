// Report status page: ask the small JSON status endpoint every two seconds and reload the
// page once the report is finished. Without JavaScript a <noscript> refresh does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || !window.fetch) { return; }
  var label = box.querySelector(".status-label");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        if (label) { label.textContent = state.label; }
        if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();

// Report portal, for a reader of several cities: choosing a city lists its agencies (the page
// again with that city, keeping the chosen report type and language). Without JavaScript the
// page links each city instead.
(function () {
  "use strict";
  var city = document.querySelector("select[data-lists-agencies]");
  if (!city || !window.URLSearchParams) { return; }
  city.addEventListener("change", function () {
    var params = new URLSearchParams();
    if (city.value) { params.set("city_id", city.value); }
    ["report", "locale"].forEach(function (name) {
      var chosen = city.form.elements[name];
      if (chosen && chosen.value) { params.set(name, chosen.value); }
    });
    window.location.assign(city.getAttribute("data-lists-agencies") + "?" + params.toString());
  });
})();
