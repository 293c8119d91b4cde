// Sorts a table[data-sortable] by the column whose header button is pressed. No dependencies.
// Each press goes: sorted one way, the other way, then back to the server's order (the
// default, which the page explains). Cells sort by data-value: numbers are exact decimal
// strings, compared digit by digit so no value is ever rounded; empty (unknown) cells last.
(function () {
  "use strict";

  function compareAbsolute(a, b) {
    var pa = a.split("."), pb = b.split(".");
    var ia = pa[0].replace(/^0+/, ""), ib = pb[0].replace(/^0+/, "");
    if (ia.length !== ib.length) return ia.length < ib.length ? -1 : 1;
    if (ia !== ib) return ia < ib ? -1 : 1;
    var fa = pa[1] || "", fb = pb[1] || "";
    var n = Math.max(fa.length, fb.length);
    while (fa.length < n) fa += "0";
    while (fb.length < n) fb += "0";
    return fa === fb ? 0 : (fa < fb ? -1 : 1);
  }

  function compareDecimal(a, b) {
    var na = a.charAt(0) === "-", nb = b.charAt(0) === "-";
    if (na !== nb) return na ? -1 : 1;
    var result = compareAbsolute(na ? a.slice(1) : a, nb ? b.slice(1) : b);
    return na ? -result : result;
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var value = cell.getAttribute("data-value");
    return value === null ? cell.textContent.trim() : value;
  }

  function setUp(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var serverOrder = Array.prototype.slice.call(body.rows);
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th[data-sort]"));

    headers.forEach(function (header) {
      var button = header.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var numeric = header.getAttribute("data-sort") === "number";
        var current = header.getAttribute("aria-sort");
        // Numbers start largest first (as the server orders values), text from A.
        var first = numeric ? "descending" : "ascending";
        var second = numeric ? "ascending" : "descending";
        var next = !current ? first : (current === first ? second : null);
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        var rows = serverOrder.slice();
        if (next) {
          header.setAttribute("aria-sort", next);
          var index = header.cellIndex;
          var sign = next === "ascending" ? 1 : -1;
          rows.sort(function (ra, rb) {
            var a = cellValue(ra, index), b = cellValue(rb, index);
            if (a === "" || b === "") return (a === "") - (b === "");  // unknowns stay last
            var order = numeric ? compareDecimal(a, b) : a.localeCompare(b);
            return order * sign || serverOrder.indexOf(ra) - serverOrder.indexOf(rb);
          });
        }
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), setUp);
})();
