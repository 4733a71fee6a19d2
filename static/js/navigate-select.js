/* A <select data-navigate> whose options' values are addresses: choosing one opens that page. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-navigate]").forEach(function (select) {
    select.addEventListener("change", function () { window.location.href = select.value; });
  });
})();
