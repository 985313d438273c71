// The job page's progress bar: poll the job's status until it ends, then reload the page,
// which then shows the result (or the reason it failed) as the server renders it.
(function () {
  "use strict";
  var card = document.getElementById("job");
  if (!card) return;
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var url = card.getAttribute("data-status-url");
  var delay = 500;

  function show(s) {
    bar.max = Math.max(s.total, 1);
    bar.value = s.state === "done" ? bar.max : s.done;
    bar.textContent = s.percent + "%";
    if (s.state === "done") text.textContent = "已完成（100%）";
    else if (s.total) text.textContent = "已完成 " + s.done + " / " + s.total + "（" + s.percent + "%）";
    var badge = card.querySelector("[data-job-state]");
    if (badge) badge.textContent = s.state_label;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        show(s);
        if (s.finished) {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.5, 3000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, delay);
})();
