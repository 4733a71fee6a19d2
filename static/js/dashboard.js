/* Dashboards: draw each chart from its json_script figure (visible ones first, the rest when the
   browser is idle), sort the tables, and apply the quarter picker on change. Loaded with defer after
   plotly-basic.min.js, only on dashboard pages. */
(function () {
  "use strict";

  var CONFIG = {displaylogo: false, responsive: true,
                modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "zoomIn2d", "zoomOut2d"]};

  function draw(el) {
    if (el.getAttribute("data-drawn")) { return; }
    el.setAttribute("data-drawn", "1");
    var figure = JSON.parse(document.getElementById(el.getAttribute("data-figure")).textContent);
    el.textContent = "";
    window.Plotly.newPlot(el, figure.data, figure.layout, CONFIG);
  }

  function drawCharts() {
    var plots = Array.prototype.slice.call(document.querySelectorAll(".dash-plot[data-figure]"));
    if (!window.Plotly) {
      plots.forEach(function (el) { el.textContent = el.getAttribute("data-unavailable"); });
      return;
    }
    var later = [];
    plots.forEach(function (el) {
      var box = el.getBoundingClientRect();
      if (box.top < window.innerHeight + 200) { draw(el); } else { later.push(el); }
    });
    var idle = window.requestIdleCallback || function (fn) { return window.setTimeout(fn, 50); };
    (function next() {
      if (later.length) { idle(function () { draw(later.shift()); next(); }); }
    })();
    if ("IntersectionObserver" in window) {  // scrolled into view before its idle turn came
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
        });
      }, {rootMargin: "200px"});
      later.forEach(function (el) { observer.observe(el); });
    }
  }

  function sortBy(table, column, button) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var descending = button.getAttribute("aria-sort") !== "descending";
    var numeric = button.getAttribute("data-numeric") === "1";
    rows.sort(function (a, b) {
      var x = a.cells[column].getAttribute("data-sort"), y = b.cells[column].getAttribute("data-sort");
      if (x === "" || y === "") { return (x === "") - (y === ""); }  // empty cells last
      var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    button.closest("th").setAttribute("aria-sort", descending ? "descending" : "ascending");
    button.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function sortableTables() {
    document.querySelectorAll("table.dash-sortable").forEach(function (table) {
      table.querySelectorAll("th button[data-column]").forEach(function (button) {
        button.addEventListener("click", function () {
          sortBy(table, parseInt(button.getAttribute("data-column"), 10), button);
        });
      });
    });
  }

  function picker() {
    var form = document.getElementById("dashboard-picker");
    if (!form) { return; }
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (input) {
      input.addEventListener("change", function () { form.submit(); });
    });
  }

  function start() {
    sortableTables();
    picker();
    // Draw once the Khmer web font is in, so Plotly measures labels with the font it shows.
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(drawCharts); } else { drawCharts(); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
