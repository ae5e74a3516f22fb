// Keyboard shortcuts of the annotation pages: "a" starts annotating (queue page);
// Ctrl/Cmd+Enter completes and opens the next item, Ctrl/Cmd+Shift+Enter skips (annotation page).
// <html data-annotation-keys="ready"> says the shortcuts are listening and the first field has focus.
(() => {
  const start = document.getElementById("ann-start");
  const form = document.getElementById("ann-form");
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (start && !typing && event.key === "a" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      start.click();
    }
    if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById(event.shiftKey ? "ann-skip" : "ann-complete").click();
    }
  });
  const first = form && form.querySelector("input:not([type=hidden]), textarea");
  if (first) {
    first.focus();
  }
  document.documentElement.dataset.annotationKeys = "ready";
})();
