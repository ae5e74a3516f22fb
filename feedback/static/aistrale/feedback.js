/*
 * AISTRALE feedback widget: thumbs up/down or 1-5 stars, and an optional comment, for one trace.
 * No dependencies, no build step. Drop it into a page:
 *
 *   <div data-aistrale-feedback
 *        data-host="https://aistrale.example.com" data-public-key="pk-lf-..."
 *        data-trace-id="TRACE_ID" data-observation-id="OPTIONAL" data-score-name="user-feedback"
 *        data-kind="thumbs|stars" data-comment="true|false" data-label="Was this answer helpful?"></div>
 *   <script src="https://aistrale.example.com/static/aistrale/feedback.js" defer></script>
 *
 * It posts a score-create event to POST /api/public/ingestion with the public key alone, as Langfuse's
 * browser client does (thumbs: BOOLEAN 1/0, stars: NUMERIC 1-5). A rating is sent when chosen; the comment
 * re-sends the same score (same id) with it. Elements added later: window.AistraleFeedback.mount(element).
 * Every mount dispatches "aistrale-feedback:sent" (detail: the score body) on the element after each save.
 */
(function () {
  "use strict";

  var STYLE_ID = "aistrale-feedback-style";
  var SVG = "http://www.w3.org/2000/svg";
  var THUMB = "M2 10h4v11H2z M8 10l4-8c1.4 0 2.5 1.1 2.5 2.5L14 9h6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.6 21H8z";
  var CSS =
    ".aistrale-feedback{font:inherit;border:0;padding:0;margin:0}" +
    ".aistrale-feedback legend{padding:0;margin-bottom:4px}" +
    ".aistrale-feedback .af-ratings{display:flex;gap:4px;margin-bottom:6px}" +
    ".aistrale-feedback button{font:inherit;cursor:pointer;padding:4px 10px;display:inline-flex;align-items:center;gap:4px;border:1px solid #888;" +
    "border-radius:4px;background:#fff;color:#222}" +
    ".aistrale-feedback button[aria-pressed=true]{background:#1f5f8b;border-color:#1f5f8b;color:#fff}" +
    ".aistrale-feedback button:focus-visible,.aistrale-feedback textarea:focus-visible{outline:3px solid #e37400;" +
    "outline-offset:2px}" +
    ".aistrale-feedback textarea{display:block;width:100%;max-width:40em;box-sizing:border-box;margin:2px 0 6px}" +
    ".aistrale-feedback .af-status{min-height:1.2em;margin:4px 0 0}";

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function addStyle() {
    if (document.getElementById(STYLE_ID)) return;
    var style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  function make(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function thumb(transform) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    if (transform) path.setAttribute("transform", transform);
    svg.appendChild(path);
    return svg;
  }

  function options(element, given) {
    var data = element.dataset;
    var merged = {
      host: data.host || "",
      publicKey: data.publicKey || "",
      traceId: data.traceId || "",
      observationId: data.observationId || "",
      scoreName: data.scoreName || "user-feedback",
      kind: data.kind === "stars" ? "stars" : "thumbs",
      comment: data.comment !== "false",
      label: data.label || "Was this answer helpful?"
    };
    Object.keys(given || {}).forEach(function (name) { merged[name] = given[name]; });
    merged.host = merged.host.replace(/\/+$/, "");
    return merged;
  }

  function errorText(status, body, response) {
    if (status === 429) {
      var wait = response.headers.get("Retry-After");
      return "Too many requests: try again" + (wait ? " in " + wait + " s." : " later.");
    }
    if (body && body.errors && body.errors.length) return body.errors[0].message;
    if (body && body.message) return body.message;
    return "Could not send feedback (HTTP " + status + ").";
  }

  function mount(element, given) {
    if (element.aistraleFeedback) return element.aistraleFeedback;
    var config = options(element, given);
    if (!config.host || !config.publicKey || !config.traceId) {
      throw new Error("aistrale feedback: data-host, data-public-key and data-trace-id are required");
    }
    addStyle();
    var scoreId = uuid();
    var state = { value: null, sending: false };
    var form = make("form", { class: "aistrale-feedback-form", novalidate: "" });
    var fieldset = make("fieldset", { class: "aistrale-feedback" });
    fieldset.appendChild(make("legend", {}, config.label));
    var group = make("div", { class: "af-ratings", role: "group", "aria-label": config.label });
    var choices = config.kind === "stars"
      ? [1, 2, 3, 4, 5].map(function (n) {
          return { value: n, text: n + " \u2605", label: n + (n === 1 ? " star" : " stars") + " out of 5" };
        })
      : [{ value: 1, text: "Yes", label: "Thumbs up: yes", icon: "" },
         { value: 0, text: "No", label: "Thumbs down: no", icon: "rotate(180 12 12)" }];
    var buttons = choices.map(function (choice) {
      var button = make("button", { type: "button", "aria-pressed": "false", "aria-label": choice.label, title: choice.label },
        choice.icon === undefined ? choice.text : "");
      if (choice.icon !== undefined) {
        button.appendChild(thumb(choice.icon));
        button.appendChild(document.createTextNode(" " + choice.text));
      }
      button.addEventListener("click", function () { choose(choice.value); });
      group.appendChild(button);
      return { button: button, value: choice.value };
    });
    fieldset.appendChild(group);
    var textarea = null;
    if (config.comment) {
      var fieldId = "af-comment-" + scoreId;
      fieldset.appendChild(make("label", { for: fieldId }, "Comment (optional)"));
      textarea = make("textarea", { id: fieldId, rows: "3", maxlength: "2000" });
      fieldset.appendChild(textarea);
      fieldset.appendChild(make("button", { type: "submit", class: "af-send" }, "Send comment"));
    }
    var status = make("p", { class: "af-status", role: "status", "aria-live": "polite" });
    fieldset.appendChild(status);
    form.appendChild(fieldset);
    element.appendChild(form);

    function choose(value) {
      state.value = value;
      buttons.forEach(function (item) { item.button.setAttribute("aria-pressed", String(item.value === value)); });
      send(false);
    }

    function body(withComment) {
      var score = {
        id: scoreId,
        traceId: config.traceId,
        name: config.scoreName,
        value: state.value,
        dataType: config.kind === "stars" ? "NUMERIC" : "BOOLEAN"
      };
      if (config.observationId) score.observationId = config.observationId;
      if (withComment && textarea && textarea.value.trim()) score.comment = textarea.value.trim();
      return score;
    }

    function send(withComment) {
      if (state.value === null) {
        status.textContent = "Choose a rating first.";
        return Promise.resolve(false);
      }
      var score = body(withComment);
      state.sending = true;
      status.textContent = "Sending\u2026";
      var event = { id: uuid(), type: "score-create", timestamp: new Date().toISOString(), body: score };
      return fetch(config.host + "/api/public/ingestion", {
        method: "POST",
        headers: { "Authorization": "Bearer " + config.publicKey, "Content-Type": "application/json" },
        body: JSON.stringify({ batch: [event] })
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (answer) {
          var stored = response.status === 207 && answer && answer.errors && answer.errors.length === 0;
          status.textContent = stored
            ? (withComment ? "Thanks for your comment." : "Thanks for your feedback.")
            : errorText(response.status, answer, response);
          if (stored) element.dispatchEvent(new CustomEvent("aistrale-feedback:sent", { detail: score, bubbles: true }));
          return stored;
        });
      }, function () {
        status.textContent = "Could not reach the feedback server: try again.";
        return false;
      }).then(function (stored) {
        state.sending = false;
        return stored;
      });
    }

    form.addEventListener("submit", function (submitted) {
      submitted.preventDefault();
      if (!state.sending) send(true);
    });
    element.aistraleFeedback = { scoreId: scoreId, choose: choose, send: send };
    return element.aistraleFeedback;
  }

  function mountAll(root) {
    var found = (root || document).querySelectorAll("[data-aistrale-feedback]");
    Array.prototype.forEach.call(found, function (element) { mount(element); });
  }

  window.AistraleFeedback = { mount: mount, mountAll: mountAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { mountAll(); });
  } else {
    mountAll();
  }
})();
