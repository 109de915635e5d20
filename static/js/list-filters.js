// A list's filter, for a reader of several cities: choosing a city sends the form again with
// no agency chosen, so the agencies offered next are that city's. Without JavaScript the
// Filter button sends the city, and the agencies come with the page it returns.
(function () {
  "use strict";
  document.querySelectorAll("select[data-city-filter]").forEach(function (city) {
    city.addEventListener("change", function () {
      var agency = city.form.elements.agency_id;
      if (agency) { agency.value = ""; }
      city.form.submit();
    });
  });
})();
