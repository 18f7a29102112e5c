// Small progressive enhancements; every page works without JavaScript.

// Tables reflow to cards on a phone: each body cell gets its column's header as
// `data-label`, which the stylesheet shows before the value below 40rem. Without
// JavaScript the table scrolls sideways inside `.table-wrap` instead.
function labelTables(root) {
  root.querySelectorAll("table").forEach(function (table) {
    var head = table.tHead;
    if (!head || !head.rows.length || table.classList.contains("no-reflow")) {
      return;
    }
    var labels = [];
    Array.prototype.forEach.call(head.rows[head.rows.length - 1].cells, function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i++) {
        labels.push(cell.textContent.replace(/\s+/g, " ").trim());
      }
    });
    table.classList.add("reflow");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (labels[column] && !cell.hasAttribute("data-label") && cell.colSpan < 2) {
            cell.setAttribute("data-label", labels[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  labelTables(document);
  document.body.addEventListener("htmx:afterSettle", function (event) {
    labelTables(event.target && event.target.querySelectorAll ? event.target : document);
  });
  // Buttons with data-confirm ask before a destructive action.
  document.body.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
});
