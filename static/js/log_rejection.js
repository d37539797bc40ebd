// The log-rejection form: a picked company or application hides the "or type a
// new one" field beside it, and "Add another person" clones the formset's empty row.
(function () {
  "use strict";

  // Hide the typed alternative while something is picked; without JS both show.
  function syncTypedFields() {
    [
      ["id_company", "div_id_company_name"],
      ["id_application", "div_id_role"],
    ].forEach(function (pair) {
      var picker = document.getElementById(pair[0]);
      var typed = document.getElementById(pair[1]);
      if (!picker || !typed) {
        return;
      }
      var picked = picker.value !== "";
      var hasError = typed.querySelector(".invalid-feedback, .is-invalid");
      typed.hidden = picked && !hasError;
    });
  }

  function setUpAddPerson() {
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

  document.addEventListener("DOMContentLoaded", function () {
    // "Add another person" also serves the people form of an application.
    setUpAddPerson();
    var form = document.querySelector("form.log-rejection");
    if (!form) {
      return;
    }
    syncTypedFields();
    form.addEventListener("change", function (event) {
      if (event.target.id === "id_company" || event.target.id === "id_application") {
        syncTypedFields();
      }
    });
    // The role picker is swapped in by htmx when the company changes.
    document.body.addEventListener("htmx:afterSettle", syncTypedFields);
  });
})();
