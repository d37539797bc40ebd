// "Met during" and other long checkbox lists: a filter box above the list hides
// the entries whose label does not contain what is typed. Without JS the list
// still works: it scrolls.
(function () {
  "use strict";

  function setUp(group) {
    var options = group.querySelectorAll(".form-check");
    if (options.length < 2) {
      return;
    }
    var fieldLabel = group.parentElement.querySelector("label.form-label, legend");
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.setAttribute(
      "aria-label",
      (fieldLabel ? fieldLabel.textContent.trim() : "List") + ": filter"
    );
    box.placeholder = "Type to filter";
    group.classList.add("checklist-scroll");
    group.parentElement.insertBefore(box, group);
    box.addEventListener("input", function () {
      var query = box.value.trim().toLowerCase();
      options.forEach(function (option) {
        var text = option.textContent.toLowerCase();
        option.hidden = query !== "" && text.indexOf(query) === -1;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var field = document.getElementById("div_id_applications");
    if (!field) {
      return;
    }
    var first = field.querySelector(".form-check");
    if (first && first.parentElement) {
      setUp(first.parentElement);
    }
  });
})();
