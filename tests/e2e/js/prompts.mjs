// Fetch and compile prompts with @langfuse/client and print what the SDK saw as one JSON line.
// Keys and URL come from LANGFUSE_* in the environment.
import { LangfuseClient } from "@langfuse/client";

const langfuse = new LangfuseClient();

function seen(prompt, compiled) {
  const { name, version, labels, tags, config, type, prompt: content } = prompt;
  return { name, version, labels, tags, config, type, prompt: content, compiled };
}

const text = await langfuse.prompt.get("js-greeting", { cacheTtlSeconds: 0 });
const firstText = await langfuse.prompt.get("js-greeting", { version: 1, cacheTtlSeconds: 0 });
const chat = await langfuse.prompt.get("js-support", { type: "chat", label: "staging", cacheTtlSeconds: 0 });

const result = {
  text: seen(text, text.compile({ name: "Ada", place: "Oslo" })),
  firstText: seen(firstText, firstText.compile({ name: "Ada" })),
  chat: seen(
    chat,
    chat.compile({ product: "AISTRALE" }, { history: [{ role: "user", content: "It broke." }] }),
  ),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
