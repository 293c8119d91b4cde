// Refreshes the sync section of an account page while a sync runs. No dependencies.
(function () {
  "use strict";
  var section = document.getElementById("sync");
  if (!section || !window.fetch) return;
  var url = section.getAttribute("data-status-url");
  var label = section.querySelector("[data-sync-label]");
  var progress = section.querySelector("[data-sync-progress]");
  var wasRunning = false;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) return;
        label.textContent = status.label;
        progress.textContent = status.running ? status.progress : (status.message || "");
        if (status.running || status.status === "never") {
          wasRunning = wasRunning || status.running;
          setTimeout(poll, 2000);
        } else if (wasRunning) {
          window.location.reload(); // show the new history and counts
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
