// District section: "Add a training" adds an empty training row without saving (the formset's empty form, with
// the next index); a row is removed by ticking Delete, as before. Without JavaScript, saving gives a new row.
(function () {
  "use strict";
  var template = document.getElementById("training-empty-row");
  var button = document.getElementById("add-training");
  var total = document.querySelector('input[name="trainings-TOTAL_FORMS"]');
  var body = document.querySelector("#training-table tbody");
  if (!template || !button || !total || !body) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = Number(total.value);
    var row = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", row);
    total.value = String(index + 1);
    var first = body.lastElementChild.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
  });
})();
