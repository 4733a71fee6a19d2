// Nothing typed is lost: every value of an entry form (<form data-keep-typed="USER">) is kept in this browser as it
// is typed (localStorage, by user and page). When the page is opened again and it shows other values (a crash, a
// reload, a power cut, a save that never arrived), a notice offers to put the kept values back, naming the
// figures that differ. A save pressed without a connection is not sent: the values stay here and the page is
// saved when the connection returns. The server's version check means nothing is ever applied twice.
(function () {
  "use strict";
  var form = document.querySelector("form[data-keep-typed]");
  if (!form || !window.localStorage) return;
  var key = "drssd-typed:" + form.getAttribute("data-keep-typed") + ":" + location.pathname;
  var texts = document.getElementById("keep-typed-texts").dataset;
  var SKIP = /^(csrfmiddlewaretoken|version|then|.*-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)$/;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      // Not a file input: a browser never lets a page put a file back (the visit's photos are chosen again).
      return el.name && !SKIP.test(el.name) && !el.disabled && el.type !== "submit" && el.type !== "button" &&
        el.type !== "file";
    });
  }

  function valueOf(el) {
    return el.type === "checkbox" || el.type === "radio" ? (el.checked ? el.value : "") : el.value;
  }

  function setValue(el, value) {
    if (el.type === "checkbox" || el.type === "radio") el.checked = value === el.value;
    else el.value = value;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function read() {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function keep() {
    var values = {};
    fields().forEach(function (el) { values[el.name] = valueOf(el); });
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), values: values }));
    } catch (error) {
      // Storage full or refused: the page still works, only without this safety net.
    }
  }

  function labelOf(el) {
    var label = el.id && document.querySelector('label[for="' + el.id + '"]');
    return (el.getAttribute("aria-label") || (label && label.textContent) || el.name).trim();
  }

  // A notice above the form, or (near=true) in the bar of Save buttons, where the person is looking.
  function notice(kind, html, near) {
    var box = document.createElement("div");
    box.className = "alert alert-" + kind + " keep-typed-notice";
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    box.innerHTML = html;
    var bar = near && form.querySelector(".sticky-bottom");
    if (bar) {
      box.classList.add("w-100", "mb-0", "py-2", "small");
      bar.insertBefore(box, bar.firstChild);
    } else {
      form.parentNode.insertBefore(box, form);
    }
    return box;
  }

  function twoDigits(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // The portal's date style in both languages: 28/11/2026 16:05.
  function when(time) {
    var d = new Date(time);
    return twoDigits(d.getDate()) + "/" + twoDigits(d.getMonth() + 1) + "/" + d.getFullYear() + " " +
      twoDigits(d.getHours()) + ":" + twoDigits(d.getMinutes());
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // On opening: offer what was typed here and is not on the page.
  var kept = read();
  if (kept && kept.values) {
    var differing = fields().filter(function (el) {
      return Object.prototype.hasOwnProperty.call(kept.values, el.name) && kept.values[el.name] !== valueOf(el);
    });
    if (!differing.length) {
      localStorage.removeItem(key);
    } else {
      var names = differing.slice(0, 8).map(function (el) { return "<li>" + escapeHtml(labelOf(el)) + "</li>"; });
      if (differing.length > 8) names.push("<li>…</li>");
      var box = notice(
        "warning",
        "<p class='mb-1'>" + escapeHtml(texts.kept.replace("%(count)s", differing.length).replace("%(when)s", when(kept.at))) +
          "</p><ul class='small mb-2'>" + names.join("") + "</ul>" +
          "<button type='button' class='btn btn-sm btn-warning me-2' id='keep-typed-restore'>" +
          escapeHtml(texts.restore) + "</button>" +
          "<button type='button' class='btn btn-sm btn-outline-secondary' id='keep-typed-discard'>" +
          escapeHtml(texts.discard) + "</button>"
      );
      box.querySelector("#keep-typed-restore").addEventListener("click", function () {
        differing.forEach(function (el) { setValue(el, kept.values[el.name]); });
        box.remove();
        keep();
      });
      box.querySelector("#keep-typed-discard").addEventListener("click", function () {
        localStorage.removeItem(key);
        box.remove();
      });
    }
  }

  function typed() {
    form.setAttribute("data-dirty", "1");  // read by logout.js before it clears what was kept
    keep();
  }
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);

  // A save pressed without a connection waits for it.
  var waiting = null;
  form.addEventListener("submit", function (event) {
    keep();
    form.removeAttribute("data-dirty");
    if (navigator.onLine !== false) return;
    event.preventDefault();
    var submitter = event.submitter || null;
    if (waiting) return;
    waiting = notice("danger", escapeHtml(texts.offline), true);
    window.addEventListener("online", function () {
      waiting.textContent = texts.sending;
      if (form.requestSubmit) form.requestSubmit(submitter);
      else form.submit();
    }, { once: true });
  });
})();
