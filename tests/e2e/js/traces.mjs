// Create traces with the Langfuse JS SDK (LangfuseSpanProcessor on the OpenTelemetry Node SDK), flush, shut down,
// and print the ids the SDK chose as one JSON line. Keys and URL come from LANGFUSE_* in the environment.
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { propagateAttributes, startActiveObservation, startObservation } from "@langfuse/tracing";
import { NodeSDK } from "@opentelemetry/sdk-node";

const processor = new LangfuseSpanProcessor({ environment: "js-e2e", release: "r-42", mediaUploadEnabled: false });
const sdk = new NodeSDK({ spanProcessors: [processor] });
sdk.start();

const ids = {};

await propagateAttributes(
  { userId: "ada", sessionId: "js-session-1", tags: ["js", "e2e"], traceName: "js-chat", version: "v3" },
  () =>
    startActiveObservation("handle-question", async (root) => {
      root.update({ input: { question: "What is OTLP?" }, metadata: { route: "/ask" } });
      root.setTraceIO({ input: { question: "What is OTLP?" }, output: { answer: "A protocol." } });
      const retrieval = root.startObservation(
        "lookup-docs",
        { input: { query: "OTLP" }, metadata: { index: "docs" } },
        { asType: "retriever" },
      );
      const chunk = retrieval.startObservation("rank", { input: { candidates: 3 } });
      chunk.update({ output: { kept: 2 } }).end();
      retrieval.update({ output: [{ id: "doc-1" }, { id: "doc-2" }] }).end();
      const generation = root.startObservation(
        "answer",
        {
          model: "gpt-4o-mini",
          modelParameters: { temperature: 0.2, max_tokens: 64 },
          input: [{ role: "user", content: "What is OTLP?" }],
        },
        { asType: "generation" },
      );
      generation
        .update({
          output: { role: "assistant", content: "A protocol." },
          usageDetails: { input: 120, output: 30 },
          costDetails: { input: 0.0012, output: 0.0009 },
        })
        .end();
      root.update({ output: { answer: "A protocol." } });
      Object.assign(ids, {
        chat: root.traceId,
        handleQuestion: root.id,
        lookupDocs: retrieval.id,
        rank: chunk.id,
        answer: generation.id,
      });
    }),
);

const tool = startObservation("js-tool-call", { input: { city: "Oslo" } }, { asType: "tool" });
tool.update({ output: { celsius: -3 }, level: "WARNING", statusMessage: "stale cache" }).end();
ids.tool = tool.traceId;
ids.toolCall = tool.id;

await processor.forceFlush();
await sdk.shutdown();
process.stdout.write(`${JSON.stringify(ids)}\n`);
