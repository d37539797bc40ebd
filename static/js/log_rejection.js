// The log-rejection form: "Add another person" clones the formset's empty row.
(function () {
  "use strict";

  function setUp() {
    var button = document.querySelector("[data-add-contact]");
    var template = document.getElementById("new-contact-template");
    var rows = document.getElementById("new-contacts");
    var total = document.querySelector('input[name="new_contact-TOTAL_FORMS"]');
    var max = document.querySelector('input[name="new_contact-MAX_NUM_FORMS"]');
    if (!button || !template || !rows || !total) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      if (max && index >= parseInt(max.value, 10)) {
        return;
      }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
      if (first) {
        first.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
