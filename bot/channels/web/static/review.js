// The review form: clicking a cell of the read-only tables starts the comment with its row and column.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var text = document.getElementById("comment"), part = document.getElementById("part");
  document.querySelectorAll("table.grid td[data-label]").forEach(function (td) {
    td.style.cursor = "pointer";
    td.addEventListener("click", function () {
      part.value = td.dataset.part;
      text.value = td.dataset.label.trim() + "：";
      text.focus();
    });
  });
});
