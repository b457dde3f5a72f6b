// The official Node SDK client (@modelcontextprotocol/sdk, pinned in ../package.json; it
// speaks the handshake era, up to 2025-11-25) driving one session against a server command,
// printing what it saw as one JSON object on stdout for the Rust test to check.
//
//     node client.mjs session -- COMMAND [ARGS...]
//
// `session`: connect, list tools, call `add`; report the instructions, tools, the call's
// text and the log messages received. Any error is reported as {"error": {code, message}}.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [scenario, dash, command, ...args] = process.argv.slice(2);
if (scenario !== "session" || dash !== "--" || !command) {
  console.error("usage: client.mjs session -- COMMAND [ARGS...]");
  process.exit(2);
}

const report = { logs: [] };
// The launcher needs the test's environment (its sandboxed data dir); the SDK would pass
// only a few safe variables by default.
const transport = new StdioClientTransport({ command, args, env: { ...process.env }, stderr: "ignore" });
const client = new Client({ name: "gatehouse-test", version: "1.0.0" });
client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
  report.logs.push({ level: notification.params.level, data: notification.params.data });
});
try {
  await client.connect(transport);
  report.instructions = client.getInstructions() ?? null;
  const tools = await client.listTools();
  report.tools = tools.tools.map((tool) => tool.name).sort();
  const result = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
  report.text = result.content[0].text;
} catch (error) {
  report.error = { code: error.code ?? null, message: String(error.message ?? error) };
}
await client.close().catch(() => {});
console.log(JSON.stringify(report));
process.exit(0);
