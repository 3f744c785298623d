// A campaign under way shows its progress as the workers store it: the page asks the API how many zones are
// measured and reloads itself when that changed (the words stay the server's, in the reader's language).
// Without this script the page says to reload it, so nothing depends on it.
(function () {
  "use strict";
  var bar = document.querySelector("progress[data-progress-url]");
  if (!bar || !window.fetch) { return; }
  var url = bar.getAttribute("data-progress-url");
  var shown = Number(bar.getAttribute("value"));
  var interval = 3000;
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (campaign) {
        if (campaign && (campaign.progress.done !== shown || campaign.status === "done")) {
          window.location.reload();
          return;
        }
        interval = Math.min(interval * 1.3, 20000);
        window.setTimeout(poll, interval);
      })
      .catch(function () { window.setTimeout(poll, 20000); });
  }
  window.setTimeout(poll, interval);
}());
