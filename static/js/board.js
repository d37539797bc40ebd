// The board: one move control for every card. A card's "Move" link opens the
// board's move dialog (its href, the card's move page, is where the dialog's
// form posts); a drop onto a column submits that same form with the column's
// stage. Both take one path: an htmx POST, a stage event, the board
// re-rendered. Without JavaScript the link opens the card's move page. Loaded
// as a file: the CSP allows no inline script.
(function () {
  "use strict";

  var dragged = null;

  function moveDialog() {
    return document.getElementById("board-move");
  }

  // Point the dialog's form at a card: its move URL and its current stage.
  function aimAt(card) {
    var dialog = moveDialog();
    var link = card && card.querySelector("[data-board-move]");
    if (!dialog || !link) return null;
    var form = dialog.querySelector("form");
    form.action = link.href;
    form.elements.stage.value = card.dataset.stage;
    var title = card.querySelector("h3");
    dialog.querySelector("[data-board-move-card]").textContent = title ? title.textContent : "";
    // The card's other way forward: an offer or a withdrawal, on its own page.
    var outcome = dialog.querySelector("[data-board-move-outcome]");
    outcome.href = outcome.dataset.urlPattern.replace("2147483647", card.id.replace("card-", ""));
    return form;
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var link = event.target.closest("[data-board-move]");
    if (link) {
      var form = aimAt(link.closest("[data-board-card]"));
      if (!form) return; // no dialog: follow the link to the move page
      event.preventDefault();
      moveDialog().showModal();
      form.elements.stage.focus();
      return;
    }
    if (event.target.closest("[data-board-move-cancel]")) {
      moveDialog().close(); // focus goes back to the card's "Move"
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-board-move-form]")) return;
    event.preventDefault();
    var dialog = moveDialog();
    if (dialog.open) dialog.close();
    htmx.ajax("POST", form.action, { source: form, target: "#board", swap: "outerHTML" });
  });

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
    var form = aimAt(card);
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
