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
