// The playground page: messages and variables, variants side by side, each run streamed (ndjson lines).
(function () {
  "use strict";
  const root = document.getElementById("playground");
  const prefill = JSON.parse(document.getElementById("playground-prefill").textContent);
  const connections = JSON.parse(document.getElementById("playground-connections").textContent);
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const messagesBox = document.getElementById("messages");
  const variablesBox = document.getElementById("variables");
  const variantsBox = document.getElementById("variants");
  const values = {};

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.appendChild(child));
    return node;
  }

  function addMessage(message) {
    const role = element("select", { class: "message-role" });
    ["system", "user", "assistant"].forEach((name) => role.appendChild(element("option", { value: name, text: name })));
    role.value = message.role || "user";
    const content = element("textarea", { class: "message-content", rows: "3" });
    content.value = message.content || "";
    content.addEventListener("input", refreshVariables);
    const remove = element("button", { type: "button", class: "button", text: "×", title: "Remove" });
    const row = element("div", { class: "playground-message" }, [role, content, remove]);
    remove.addEventListener("click", () => { row.remove(); refreshVariables(); });
    messagesBox.appendChild(row);
  }

  function messages() {
    return Array.from(messagesBox.querySelectorAll(".playground-message")).map((row) => ({
      role: row.querySelector(".message-role").value,
      content: row.querySelector(".message-content").value,
    }));
  }

  function refreshVariables() {
    const names = new Set();
    messages().forEach((m) => { for (const match of m.content.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)) names.add(match[1]); });
    variablesBox.querySelectorAll("input").forEach((input) => { values[input.name] = input.value; });
    variablesBox.replaceChildren();
    names.forEach((name) => {
      const input = element("input", { name: name, class: "variable" });
      input.value = values[name] || "";
      variablesBox.appendChild(element("label", { text: name + " " }, [input]));
    });
  }

  function field(label, node) { return element("label", { text: label + " " }, [node]); }

  function addVariant(variant) {
    variant = variant || {};
    const parameters = variant.parameters || {};
    const connection = element("select", { class: "variant-connection" });
    connections.forEach((name) => connection.appendChild(element("option", { value: name, text: name })));
    if (variant.connection) connection.value = variant.connection;
    const inputs = {
      model: element("input", { class: "variant-model", value: variant.model || "" }),
      temperature: element("input", { class: "variant-temperature", type: "number", step: "0.1", min: "0", max: "2" }),
      max_tokens: element("input", { class: "variant-max-tokens", type: "number", min: "1" }),
      top_p: element("input", { class: "variant-top-p", type: "number", step: "0.05", min: "0", max: "1" }),
      stop: element("input", { class: "variant-stop", placeholder: "comma-separated" }),
      response_format: element("textarea", { class: "variant-schema", rows: "2", placeholder: "JSON Schema (optional)" }),
      tools: element("textarea", { class: "variant-tools", rows: "2", placeholder: "[{\"name\", \"parameters\"}] (optional)" }),
    };
    ["temperature", "max_tokens", "top_p"].forEach((key) => { if (parameters[key] != null) inputs[key].value = parameters[key]; });
    if (parameters.stop) inputs.stop.value = [].concat(parameters.stop).join(",");
    const output = element("div", { class: "playground-output", "aria-live": "polite" });
    const stats = element("div", { class: "playground-stats" });
    const remove = element("button", { type: "button", class: "button", text: "Remove" });
    const box = element("div", { class: "playground-variant" }, [
      field("Connection", connection), field("Model", inputs.model), field("Temperature", inputs.temperature),
      field("Max tokens", inputs.max_tokens), field("Top-p", inputs.top_p), field("Stop", inputs.stop),
      field("Response format", inputs.response_format), field("Tools", inputs.tools), remove, output, stats,
    ]);
    remove.addEventListener("click", () => { box.remove(); refreshSaveChoices(); });
    box.readVariant = function () {
      const number = (input) => (input.value === "" ? null : Number(input.value));
      const json = (input) => (input.value.trim() === "" ? null : JSON.parse(input.value));
      return {
        connection: connection.value, model: inputs.model.value,
        parameters: { temperature: number(inputs.temperature), max_tokens: number(inputs.max_tokens),
          top_p: number(inputs.top_p), stop: inputs.stop.value ? inputs.stop.value.split(",") : null },
        response_format: json(inputs.response_format), tools: json(inputs.tools),
      };
    };
    box.output = output;
    box.stats = stats;
    variantsBox.appendChild(box);
    refreshSaveChoices();
  }

  function variantBoxes() { return Array.from(variantsBox.querySelectorAll(".playground-variant")); }

  function refreshSaveChoices() {
    const add = document.getElementById("add-variant");
    add.disabled = variantBoxes().length >= Number(add.dataset.max);
    const select = document.getElementById("save-variant");
    select.replaceChildren(element("option", { value: "", text: "none" }));
    variantBoxes().forEach((_, index) => select.appendChild(element("option", { value: String(index), text: "Variant " + (index + 1) })));
    const actionSelect = document.getElementById("action-variant");
    if (actionSelect) actionSelect.replaceChildren(...variantBoxes().map((_, index) => element("option", { value: String(index), text: "Variant " + (index + 1) })));
  }

  function variables() {
    const found = {};
    variablesBox.querySelectorAll("input").forEach((input) => { found[input.name] = input.value; });
    return found;
  }

  function post(url, body) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body), credentials: "same-origin" });
  }

  async function run(box, index, runId) {
    box.output.textContent = "";
    box.output.classList.remove("playground-error");
    box.stats.textContent = "running…";
    box.dataset.state = "running";
    let variant;
    try { variant = box.readVariant(); } catch (error) { return fail(box, "Invalid JSON: " + error.message); }
    const response = await post(root.dataset.runUrl, { project: root.dataset.project, messages: messages(),
      variables: variables(), variant: variant, index: index, runId: runId });
    if (!response.ok) {
      const refused = await response.json();
      return fail(box, (refused.field ? refused.field + ": " : "") + refused.error);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let end;
      while ((end = pending.indexOf("\n")) >= 0) {
        const event = JSON.parse(pending.slice(0, end));
        pending = pending.slice(end + 1);
        if (event.delta !== undefined) box.output.textContent += event.delta;
        else if (event.error) return fail(box, event.error);
        else if (event.done) {
          const cost = event.cost === null ? "cost unknown" : "$" + Number(event.cost).toFixed(6);
          box.stats.textContent = `${event.latencyMs} ms · first token ${event.ttftMs} ms · ` +
            `${event.usage.input} in / ${event.usage.output} out tokens · ${cost}`;
          box.dataset.traceId = event.traceId || "";
          box.dataset.state = "done";
        }
      }
    }
  }

  function fail(box, message) {
    box.output.textContent = message;
    box.output.classList.add("playground-error");
    box.stats.textContent = "";
    box.dataset.state = "failed";
  }

  document.getElementById("add-message").addEventListener("click", () => addMessage({ role: "user" }));
  document.getElementById("add-variant").addEventListener("click", () => addVariant({}));
  document.getElementById("run").addEventListener("click", () => {
    const runId = Date.now().toString(36) + Math.random().toString(36).slice(2);
    variantBoxes().forEach((box, index) => run(box, index, runId));
  });
  document.getElementById("save").addEventListener("click", async () => {
    const chosen = document.getElementById("save-variant").value;
    const result = document.getElementById("save-result");
    let variant = null;
    try { variant = chosen === "" ? null : variantBoxes()[Number(chosen)].readVariant(); } catch (error) { result.textContent = error.message; return; }
    const response = await post(root.dataset.saveUrl, { project: root.dataset.project, name: document.getElementById("save-name").value,
      messages: messages(), variant: variant, commitMessage: document.getElementById("save-message").value,
      label: document.getElementById("save-label").value });
    const body = await response.json();
    if (!response.ok) { result.textContent = (body.field ? body.field + ": " : "") + body.error; return; }
    result.replaceChildren(element("a", { href: body.url, text: `Saved ${body.name} v${body.version}` }));
  });

  document.querySelectorAll(".playground-action").forEach((button) => button.addEventListener("click", async () => {
    const result = document.getElementById("action-result");
    const box = variantBoxes()[Number(document.getElementById("action-variant").value || 0)];
    let variant;
    try { variant = box.readVariant(); } catch (error) { result.textContent = error.message; return; }
    const response = await post(button.dataset.url, { project: root.dataset.project, dataset: document.getElementById("action-dataset").value,
      messages: messages(), variables: variables(), variant: variant,
      output: box.dataset.state === "done" ? box.output.textContent : null, traceId: box.dataset.traceId || null });
    const body = await response.json();
    if (!response.ok) { result.textContent = (body.field ? body.field + ": " : "") + body.error; return; }
    if (body.url) result.replaceChildren(element("a", { href: body.url, text: `Started ${body.run}` }));
    else result.textContent = `Added item ${body.itemId} to ${body.dataset}`;
  }));

  (prefill.messages || []).forEach(addMessage);
  (prefill.variants && prefill.variants.length ? prefill.variants : [{}]).forEach(addVariant);
  refreshVariables();
  root.dataset.ready = "true";
})();
