// Ajar's small behaviours. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  // Sign-up: pre-select the zone the browser reports; the user can correct it.
  function detectTimezone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    document.querySelectorAll("select[data-detect-timezone]").forEach(function (select) {
      if (zone && select.querySelector('option[value="' + zone + '"]')) {
        select.value = zone;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", detectTimezone);
})();

// A copy button: data-copy-target names the input whose value it copies.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) {
      return;
    }
    var done = function () {
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        input.select();
      });
    } else {
      input.select();
    }
  });
})();
