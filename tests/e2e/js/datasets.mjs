// Create a dataset with @langfuse/client, run an experiment on it (traced through LangfuseSpanProcessor) with an
// item evaluator and a run evaluator, flush, and print what the SDK returned as one JSON line.
// Keys and URL come from LANGFUSE_* in the environment.
import { LangfuseClient } from "@langfuse/client";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { NodeSDK } from "@opentelemetry/sdk-node";

const processor = new LangfuseSpanProcessor({ mediaUploadEnabled: false });
const sdk = new NodeSDK({ spanProcessors: [processor] });
sdk.start();

const langfuse = new LangfuseClient();
await langfuse.api.datasets.create({ name: "js/capitals", description: "from js" });
const capitals = { France: "Paris", Italy: "Rome" };
for (const [country, capital] of Object.entries(capitals)) {
  await langfuse.api.datasetItems.create({
    datasetName: "js/capitals",
    id: `js-${country}`,
    input: { country },
    expectedOutput: capital,
  });
}

const dataset = await langfuse.dataset.get("js/capitals");
const result = await dataset.runExperiment({
  name: "js capitals",
  runName: "js-run",
  description: "js experiment",
  task: async (item) => (item.input.country === "France" ? "Paris" : "Lyon"),
  evaluators: [async ({ output, expectedOutput }) => ({ name: "exact", value: output === expectedOutput ? 1 : 0 })],
  runEvaluators: [
    async ({ itemResults }) => ({
      name: "accuracy",
      value: itemResults.filter((item) => item.output === item.item.expectedOutput).length / itemResults.length,
    }),
  ],
});

await langfuse.flush();
await processor.forceFlush();
await sdk.shutdown();

const output = {
  items: dataset.items.map((item) => item.id).sort(),
  experimentId: result.experimentId,
  datasetRunId: result.datasetRunId ?? null,
  traceIds: result.itemResults.map((item) => item.traceId),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
