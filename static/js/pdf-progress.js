/* The stored-PDF progress page: draw the progress bar and, while the PDF is pending, poll the status
   every two seconds until it is ready or has failed. */
(function () {
  "use strict";
  var box = document.getElementById("pdf-progress"), bar = document.getElementById("pdf-bar");
  function show(id, visible) { document.getElementById(id).hidden = !visible; }
  function setProgress(value) { bar.style.width = value + "%"; bar.textContent = value + "%"; }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("pdf-state").textContent = s.state_label;
      setProgress(s.progress);
      if (s.state === "ready") { show("pdf-wait", false); show("pdf-download", true); return; }
      if (s.state === "failed") {
        show("pdf-wait", false);
        document.getElementById("pdf-error").textContent = s.error;
        show("pdf-error", true); show("pdf-retry", true);
        return;
      }
      setTimeout(poll, 2000);
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setProgress(Number(box.dataset.progress) || 0);
  if (box.dataset.pending === "1") { setTimeout(poll, 1000); }
})();
