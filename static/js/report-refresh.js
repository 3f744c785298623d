// A report whose check is queued or running reloads itself once the check is done. Without this script the
// page says what to do instead (reload), so nothing depends on it.
(function () {
  "use strict";
  var marker = document.querySelector("[data-status-url]");
  if (!marker || !window.fetch) { return; }
  var url = marker.getAttribute("data-status-url");
  var interval = 2000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && !state.active) {
          window.location.reload();
          return;
        }
        // Back off gently: a long run need not be asked about every two seconds.
        interval = Math.min(interval * 1.3, 15000);
        window.setTimeout(poll, interval);
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }
  window.setTimeout(poll, interval);
}());
