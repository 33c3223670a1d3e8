// Parses a GitHub Actions workflow with GitHub's own parser (@actions/workflow-parser) and prints every error.
// Usage: node validate-workflow.mjs <node_modules dir> <workflow.yml>; exit code 0 = accepted.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [modules, file] = process.argv.slice(2);
const entry = path.join(modules, "@actions", "workflow-parser", "dist", "index.js");
const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import(pathToFileURL(entry).href);
const parsed = parseWorkflow({ name: path.basename(file), content: readFileSync(file, "utf8") }, new NoOperationTraceWriter());
const errors = [...parsed.context.errors.getErrors()];
if (parsed.value !== undefined && errors.length === 0) {
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  errors.push(...(template.errors ?? []));
  console.log(`jobs: ${template.jobs.map(j => j.id.value ?? j.id).join(",")}`);
}
for (const e of errors) console.error(e.message ?? e.Message ?? JSON.stringify(e));
process.exit(errors.length === 0 && parsed.value !== undefined ? 0 : 1);
