// @actions/workflow-parser imports its JSON schema without an import attribute (it is written for bundlers);
// Node 20 refuses that, so JSON modules are loaded as JSON here.
import { register } from "node:module";

register("data:text/javascript," + encodeURIComponent(`
export async function load(url, context, next) {
  if (url.endsWith(".json")) return next(url, { ...context, importAttributes: { type: "json" } });
  return next(url, context);
}`));
