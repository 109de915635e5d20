// The menu bar's groups behave as menus: one open at a time, closed by a click elsewhere or Esc.
// Without this script each group still opens and closes on its own (they are <details>).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const groups = Array.from(document.querySelectorAll("details.navgroup"));
    const closeAll = function (except) {
      for (const group of groups) if (group !== except) group.open = false;
    };
    for (const group of groups) {
      group.addEventListener("toggle", function () {
        if (group.open) closeAll(group);
      });
    }
    document.addEventListener("click", function (event) {
      if (!event.target.closest("details.navgroup")) closeAll(null);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") closeAll(null);
    });
    // on a phone the search box opens behind its icon: the cursor goes into it
    const searchToggle = document.getElementById("search-toggle");
    const searchBox = document.getElementById("header-q");
    if (searchToggle && searchBox) {
      searchToggle.addEventListener("change", function () {
        if (searchToggle.checked) searchBox.focus();
      });
    }
  });
})();
