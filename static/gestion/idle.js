// Idle sessions (Sips rule): a warning after 13 minutes without activity, logout at 15.
// The server enforces the logout (merchants.middleware.IdleSessionMiddleware); this script only
// warns, lets the user stay (one request is activity), and reloads when the time is up so that
// the page shows the login form instead of stale data.
(function () {
  "use strict";
  var script = document.currentScript;
  var warningAfter = Number(script.dataset.warning) * 1000;
  var timeoutAfter = Number(script.dataset.timeout) * 1000;
  var keepaliveUrl = script.dataset.keepalive;
  var warnTimer = null;
  var endTimer = null;

  function box() { return document.getElementById("idle-warning"); }

  function arm() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    if (box()) { box().hidden = true; }
    warnTimer = setTimeout(function () { if (box()) { box().hidden = false; } }, warningAfter);
    endTimer = setTimeout(function () { window.location.reload(); }, timeoutAfter + 1000);
  }

  function stay() {
    fetch(keepaliveUrl, { credentials: "same-origin", redirect: "manual", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.ok) { arm(); } else { window.location.reload(); }
      })
      .catch(function () { window.location.reload(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-idle-stay]");
    if (button) { button.addEventListener("click", stay); }
    arm();
  });
})();
