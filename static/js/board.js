// The board: native HTML5 drag and drop onto a column submits that card's own
// "Move to" form, so a drop and a keyboard move take the same path (htmx POST,
// a stage event, the board re-rendered). Loaded as a file: the CSP allows no
// inline script.
(function () {
  "use strict";

  var dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest("[data-board-column]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-board-card][draggable]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.querySelectorAll(".board-column.is-drop-target").forEach(function (column) {
      column.classList.remove("is-drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".board-column.is-drop-target").forEach(function (other) {
      if (other !== column) other.classList.remove("is-drop-target");
    });
    column.classList.add("is-drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!column) return;
    event.preventDefault();
    var card = dragged || document.getElementById(event.dataTransfer.getData("text/plain"));
    column.classList.remove("is-drop-target");
    if (!card || card.dataset.stage === column.dataset.stage) return;
    var form = card.querySelector("form.board-move");
    if (!form) return;
    form.elements.stage.value = column.dataset.stage;
    form.requestSubmit();
  });

  // After a move the board is new: put focus back on the moved card.
  document.body.addEventListener("ajar:board-moved", function (event) {
    var card = document.getElementById(event.detail.card);
    if (card) {
      card.focus();
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  });

  // A page reached without htmx ("#card-12" after a plain POST): focus that card.
  document.addEventListener("DOMContentLoaded", function () {
    if (location.hash.indexOf("#card-") === 0) {
      var card = document.getElementById(location.hash.slice(1));
      if (card) card.focus();
    }
  });
})();
