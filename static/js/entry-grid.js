// The commune page's village grid (templates/reports/entry/_village_grid.html): the line under a village opens
// and closes, Enter moves down the column as in a spreadsheet, and the progress line counts the villages with
// every figure filled in and names the village being typed in. Without JavaScript every line stays open.
(function () {
  "use strict";
  var table = document.getElementById("village-table");
  if (!table) return;
  var filled = document.getElementById("grid-filled");
  var current = document.getElementById("grid-current");
  table.classList.add("js-grid");

  // On a phone the progress line stays at the top and each village's heading sticks just under it.
  var progress = document.getElementById("grid-progress");
  function placeHeadings() {
    if (progress) table.style.setProperty("--grid-progress-height", progress.offsetHeight + "px");
  }
  window.addEventListener("resize", placeHeadings);

  function figures(block) {
    return block.querySelectorAll(".village-row input, .village-row select");
  }

  function isFilled(block) {
    var inputs = figures(block);
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].value === "") return false;
    }
    return inputs.length > 0;
  }

  function countFilled() {
    if (!filled) return;
    var blocks = table.querySelectorAll("tbody.village-block");
    var count = 0;
    for (var i = 0; i < blocks.length; i++) {
      if (isFilled(blocks[i])) count++;
    }
    filled.textContent = String(count);
  }

  // "villages-3-households_total" -> the same figure of the next (or previous) village.
  function neighbour(input, step) {
    var parts = /^villages-(\d+)-(.+)$/.exec(input.name || "");
    if (!parts) return null;
    return table.querySelector('[name="villages-' + (Number(parts[1]) + step) + "-" + parts[2] + '"]');
  }

  table.addEventListener("click", function (event) {
    var button = event.target.closest(".grid-more");
    if (!button) return;
    var line = document.getElementById(button.getAttribute("aria-controls"));
    var open = line.getAttribute("data-open") !== "true";
    line.setAttribute("data-open", open ? "true" : "false");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = line.querySelector("input, textarea");
      if (first) first.focus();
    }
  });

  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || input.tagName === "TEXTAREA") return;
    if (!input.matches("input, select")) return;
    event.preventDefault(); // Enter does not submit the page half-typed
    var next = neighbour(input, event.shiftKey ? -1 : 1);
    if (next) {
      next.focus();
      if (next.select) next.select();
    }
  });

  // "Next village with a problem": the next village (after the one being typed in) with an error, a warning or a
  // reviewer's comment, its line opened and its first marked input (or its first input) focused.
  var nextProblem = document.getElementById("grid-next-problem");
  if (nextProblem) {
    nextProblem.addEventListener("click", function () {
      var blocks = Array.prototype.slice.call(table.querySelectorAll("tbody.has-problem"));
      if (!blocks.length) return;
      var here = document.activeElement && document.activeElement.closest("tbody.village-block");
      var all = Array.prototype.slice.call(table.querySelectorAll("tbody.village-block"));
      var from = here ? all.indexOf(here) : -1;
      var target = blocks.filter(function (b) { return all.indexOf(b) > from; })[0] || blocks[0];
      var line = target.querySelector(".village-detail");
      var more = target.querySelector(".grid-more");
      if (line) line.setAttribute("data-open", "true");
      if (more) more.setAttribute("aria-expanded", "true");
      var input = target.querySelector(".is-invalid, .has-comment input, .has-comment select") ||
        target.querySelector("input, select");
      if (input) {
        input.focus();
        input.scrollIntoView({ block: "center" });
      }
    });
  }

  // After an edit conflict: "Use it" puts the value saved meanwhile into the input beside it.
  document.addEventListener("click", function (event) {
    var take = event.target.closest(".grid-take");
    if (!take) return;
    var input = document.getElementById(take.getAttribute("data-for"));
    if (!input) return;
    var value = take.getAttribute("data-value");
    if (input.hasAttribute("data-date-for")) {
      // A date's three selects (reports/entry/dates.py): "2019-08-24" into day, month and year.
      var parts = value ? value.split("-") : ["", "", ""];
      var selects = { year: parts[0], month: parts[1], day: parts[2] };
      Object.keys(selects).forEach(function (part) {
        var select = input.querySelector(".date-" + part);
        select.value = selects[part] ? String(parseInt(selects[part], 10)) : "";
        select.dispatchEvent(new Event("input", { bubbles: true }));
      });
      input = input.querySelector("select");
    } else {
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    take.closest(".grid-theirs").classList.add("grid-taken");
    input.focus();
  });

  table.addEventListener("input", countFilled);
  table.addEventListener("change", countFilled);
  table.addEventListener("focusin", function (event) {
    var block = event.target.closest("tbody.village-block");
    if (block && current) {
      current.textContent = block.getAttribute("data-name");
      placeHeadings();
    }
  });
  placeHeadings();
  countFilled();
})();
