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

// Pickers (accounts/pickers.py): a search's answer replaces a select's options
// or a checkbox list, with the choice as it stood when the search was asked. A
// pick made while that answer was on its way must not be undone by it: the
// choice at the moment of the swap is put back, its rows kept if the answer
// left them out.
(function () {
  "use strict";
  var chosenBefore = new WeakMap();

  function pickerTarget(event) {
    // detail.elt is the element the event fires on; the search box that
    // asked is the request's.
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var target = event.detail.target;
    if (!source || !target || !source.hasAttribute("data-picker-search")) {
      return null;
    }
    return target;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = pickerTarget(event);
    if (!target) {
      return;
    }
    var chosen = Object.create(null);
    if (target.tagName === "SELECT") {
      Array.prototype.forEach.call(target.selectedOptions, function (option) {
        if (option.value !== "") {
          chosen[option.value] = option.cloneNode(true);
        }
      });
    } else {
      target.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
        chosen[box.value] = box.closest(".form-check").cloneNode(true);
      });
    }
    chosenBefore.set(target, chosen);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = pickerTarget(event);
    var chosen = target && chosenBefore.get(target);
    if (!chosen) {
      return;
    }
    chosenBefore.delete(target);
    if (target.tagName === "SELECT") {
      var options = target.options;
      var present = Object.create(null);
      Array.prototype.forEach.call(options, function (option) {
        present[option.value] = true;
      });
      // After the "Pick one" option, if there is one.
      var anchor = options.length && options[0].value === "" ? options[0].nextSibling : target.firstChild;
      Object.keys(chosen).forEach(function (value) {
        if (!present[value]) {
          target.insertBefore(chosen[value], anchor);
        }
      });
      Array.prototype.forEach.call(target.options, function (option) {
        option.selected = option.value in chosen;
      });
      return;
    }
    var shown = Object.create(null);
    target.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      shown[box.value] = true;
    });
    Object.keys(chosen).forEach(function (value) {
      if (!shown[value]) {
        var none = target.querySelector(":scope > p");
        if (none) {
          none.remove();
        }
        target.insertBefore(chosen[value], target.firstChild);
      }
    });
    target.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = box.value in chosen;
    });
  });
})();
