// The review form: clicking a cell of the read-only tables (or Enter/Space on it) starts the comment with its
// row and column.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var text = document.getElementById("comment"), part = document.getElementById("part");
  document.querySelectorAll("table.grid td[data-label]").forEach(function (td) {
    function pick() {
      part.value = td.dataset.part;
      text.value = td.dataset.label.trim() + "：";
      text.focus();
    }
    td.style.cursor = "pointer";
    td.tabIndex = 0;
    td.setAttribute("role", "button");
    td.setAttribute("aria-label", "对“" + td.dataset.label.trim() + "”提意见（现为" + (td.textContent || "空") + "）");
    td.addEventListener("click", pick);
    td.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); }
    });
  });
});
