// Draws the dashboard's charts with the vendored Chart.js and keeps running syncs current.
// Values arrive as exact decimal strings; Number() is used only to place them on the canvas,
// while tooltips and text show the server's formatted strings.
(function () {
  "use strict";
  if (!window.Chart) return;

  var css = getComputedStyle(document.documentElement);
  function cssVar(name) { return css.getPropertyValue(name).trim(); }
  Chart.defaults.color = cssVar("--muted");
  Chart.defaults.borderColor = cssVar("--border");
  Chart.defaults.font.family = css.fontFamily;
  // Animations only delay the numbers; reduced motion or not, draw at once.
  Chart.defaults.animation = false;

  // --- Value over time -----------------------------------------------------------------
  var box = document.querySelector("[data-history-url]");
  var status = document.querySelector("[data-history-status]");
  var valueChart = null;

  function showHistory(data) {
    var points = data.points;
    if (!points.length) {
      if (valueChart) { valueChart.destroy(); valueChart = null; }
      status.textContent = "No history in " + data.base_currency + " yet: the worker builds " +
        "it from your trades and transfers after a sync.";
      return;
    }
    var first = points[0], last = points[points.length - 1];
    status.textContent = "From " + first.text + " on " + first.day + " to " + last.text +
      " on " + last.day + " (end of each UTC day).";
    var flagged = points.filter(function (p) { return p.flagged; }).length;
    if (flagged) {
      status.textContent += " " + flagged + " day" + (flagged === 1 ? " is" : "s are") +
        " marked: the reconstruction disagreed with a balance snapshot there.";
    }
    document.getElementById("value-chart").setAttribute("aria-label",
      "Portfolio value from " + first.day + " to " + last.day + ": " + first.text + " to " +
      last.text);
    var accent = cssVar("--accent"), warn = cssVar("--warn");
    var dataset = {
      label: "Value (" + data.base_currency + ")",
      data: points.map(function (p) { return Number(p.value); }),
      borderColor: accent,
      backgroundColor: accent + "22",
      fill: true,
      borderWidth: 2,
      tension: 0.2,
      pointRadius: points.map(function (p) { return p.flagged ? 3 : 0; }),
      pointBackgroundColor: points.map(function (p) { return p.flagged ? warn : accent; }),
      pointHitRadius: 6
    };
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: function (item) {
              var p = points[item.dataIndex];
              return p.text + (p.flagged ? " (reconstruction disagreed with a snapshot)" : "");
            }
          }
        }
      },
      scales: {
        // Fewer dates on a phone, where six would run into each other.
        x: {
          ticks: { maxTicksLimit: box.clientWidth < 500 ? 3 : 6, maxRotation: 0, autoSkipPadding: 16 },
          grid: { display: false }
        },
        y: { ticks: { maxTicksLimit: 6 } }
      }
    };
    if (valueChart) valueChart.destroy();
    valueChart = new Chart(document.getElementById("value-chart"), {
      type: "line",
      data: { labels: points.map(function (p) { return p.day; }), datasets: [dataset] },
      options: options
    });
  }

  function loadHistory(range) {
    var url = box.getAttribute("data-history-url") + "?range=" + encodeURIComponent(range);
    box.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(showHistory)
      .catch(function () { status.textContent = "The history could not be loaded."; })
      .then(function () { box.removeAttribute("aria-busy"); });
  }

  if (box && window.fetch) {
    var buttons = document.querySelectorAll("button[data-range]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        Array.prototype.forEach.call(buttons, function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
        loadHistory(button.getAttribute("data-range"));
      });
    });
    loadHistory(box.getAttribute("data-range"));
  }

  // --- Allocation doughnuts -------------------------------------------------------------
  var source = document.getElementById("allocation-data");
  var allocation = source ? JSON.parse(source.textContent) : {};

  function drawDoughnut(canvasId, slices) {
    var canvas = document.getElementById(canvasId);
    var legend = document.querySelector('[data-legend-for="' + canvasId + '"]');
    if (!canvas || !legend || !slices || !slices.length) return;
    // The legend's swatches carry the palette (light and dark) in the stylesheet.
    var colours = Array.prototype.map.call(legend.querySelectorAll(".swatch"), function (s) {
      return getComputedStyle(s).backgroundColor;
    });
    new Chart(canvas, {
      type: "doughnut",
      data: {
        labels: slices.map(function (s) { return s.label; }),
        datasets: [{
          data: slices.map(function (s) { return Number(s.value); }),
          backgroundColor: colours,
          borderColor: cssVar("--card"),
          borderWidth: 2
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        cutout: "60%",
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var s = slices[item.dataIndex];
                return s.label + ": " + s.share_text + " (" + s.text + ")";
              }
            }
          }
        }
      }
    });
  }
  drawDoughnut("asset-chart", allocation.by_asset);
  drawDoughnut("exchange-chart", allocation.by_exchange);
})();

// Follows the accounts whose sync is running, and reloads once one finishes so the page
// shows the new balances. Separate from the charts: it works without Chart.js.
(function () {
  "use strict";
  if (!window.fetch) return;
  var cards = document.querySelectorAll(".account-card[data-status-url]");
  var finished = false;

  function follow(card) {
    var label = card.querySelector("[data-sync-label]");
    var progress = card.querySelector("[data-sync-progress]");
    function poll() {
      fetch(card.getAttribute("data-status-url"), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) {
          if (!status) return;
          if (status.running) {
            if (progress) progress.textContent = status.progress || "starting";
            setTimeout(poll, 3000);
          } else if (!finished) {
            finished = true;
            if (label) label.textContent = status.label;
            window.location.reload();
          }
        })
        .catch(function () { setTimeout(poll, 10000); });
    }
    setTimeout(poll, 3000);
  }
  Array.prototype.forEach.call(cards, follow);
})();
