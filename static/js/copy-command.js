// A "Copy" button beside each command of a report. Without this script the command is still there to select
// and copy by hand; the button only appears where the browser can copy.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  var labels = document.documentElement.dataset;
  document.querySelectorAll(".command pre").forEach(function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy";
    button.textContent = labels.copyLabel || "Copy";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(pre.textContent.trim()).then(function () {
        button.textContent = labels.copiedLabel || "Copied";
        window.setTimeout(function () { button.textContent = labels.copyLabel || "Copy"; }, 2000);
      });
    });
    pre.parentNode.insertBefore(button, pre.nextSibling);
  });
}());
