// Logging out removes from this browser what the keep-typed safety net kept for this user (static/js/keep-typed.js):
// on a shared computer, the next person must not find a DSO's unsent figures. When the page itself holds figures
// typed and not saved, the person is asked first.
(function () {
  "use strict";
  var form = document.getElementById("logout-form");
  if (!form || !window.localStorage) return;
  var prefix = "drssd-typed:" + form.getAttribute("data-user") + ":";

  form.addEventListener("submit", function (event) {
    var entry = document.querySelector("form[data-keep-typed]");
    if (entry && entry.getAttribute("data-dirty") === "1" && !window.confirm(form.getAttribute("data-unsaved-question"))) {
      event.preventDefault();
      return;
    }
    var keys = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key && key.indexOf(prefix) === 0) keys.push(key);
    }
    keys.forEach(function (key) { localStorage.removeItem(key); });
  });
})();
