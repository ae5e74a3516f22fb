// While a server-side experiment runs, re-read its run page every two seconds and swap in the new progress.
(function () {
  "use strict";
  var PERIOD_MS = 2000;

  function refresh() {
    var current = document.getElementById("ds-experiment");
    if (!current || !current.dataset.live) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ds-experiment");
        if (fresh) {
          current.replaceWith(document.importNode(fresh, true));
        }
      })
      .catch(function () {})
      .then(function () { window.setTimeout(refresh, PERIOD_MS); });
  }

  window.setTimeout(refresh, PERIOD_MS);
})();
