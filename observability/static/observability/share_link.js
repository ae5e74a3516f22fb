"use strict";
// The trace page's public link: the field selects itself on focus, the button copies it.
document.addEventListener("DOMContentLoaded", () => {
  for (const field of document.querySelectorAll(".obs-share-link")) {
    field.addEventListener("focus", () => field.select());
  }
  for (const button of document.querySelectorAll("[data-copy-from]")) {
    button.addEventListener("click", () => {
      const field = document.getElementById(button.dataset.copyFrom);
      navigator.clipboard.writeText(field.value).then(() => { button.textContent = "Copied"; });
    });
  }
});
