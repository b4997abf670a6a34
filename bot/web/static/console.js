// 窓口 管理画面: the few things that need a script (copy button, live broadcast progress).
// Every page works without it; nothing here builds HTML from data (textContent only).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = document.getElementById(button.getAttribute("data-copy"));
      var said = document.getElementById("copied");
      function done() { if (said) { said.textContent = "コピーしました"; } }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(box.value).then(done, function () { box.select(); document.execCommand("copy"); done(); });
      } else { box.select(); document.execCommand("copy"); done(); }
    });
  });
  var progress = document.getElementById("progress");
  if (progress) {
    var url = progress.getAttribute("data-url");
    var tick = function () {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); }).then(function (p) {
        ["sent", "failed", "blocked", "pending", "total"].forEach(function (k) {
          var el = document.getElementById("n-" + k); if (el) { el.textContent = String(p[k]); }
        });
        var bar = document.getElementById("bar"); if (bar) { bar.max = p.total || 1; bar.value = p.done; }
        var state = document.getElementById("state"); if (state) { state.textContent = p.state; state.setAttribute("data-status", p.status); }
        if (p.status === "sending" || p.running) { setTimeout(tick, 700); }
        else if (progress.getAttribute("data-status") !== p.status) { window.location.reload(); }
      }).catch(function () { setTimeout(tick, 2000); });
    };
    if (progress.getAttribute("data-live") === "1") { setTimeout(tick, 300); }
  }
})();
