#!/usr/bin/env node
// A small MCP server with one tool, `count_words`, and no dependencies: newline-delimited
// JSON-RPC 2.0 on stdin/stdout (the MCP stdio transport). Logs go to stderr only, since
// stdout carries the protocol.
"use strict";

const readline = require("node:readline");

const TOOLS = [
  {
    name: "count_words",
    description: "Counts the words in a text.",
    inputSchema: {
      type: "object",
      properties: { text: { type: "string", description: "The text to count." } },
      required: ["text"],
    },
  },
];

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

function answer(request) {
  const params = request.params || {};
  switch (request.method) {
    case "initialize":
      return {
        protocolVersion: params.protocolVersion || "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "acme-word-count", version: "1.0.0" },
      };
    case "ping":
      return {};
    case "tools/list":
      return { tools: TOOLS };
    case "tools/call": {
      if (params.name !== "count_words") {
        throw { code: -32602, message: `unknown tool: ${params.name}` };
      }
      const text = String((params.arguments || {}).text || "");
      const words = text.split(/\s+/).filter((w) => w.length > 0).length;
      return { content: [{ type: "text", text: `${words} words` }], isError: false };
    }
    default:
      throw { code: -32601, message: `method not found: ${request.method}` };
  }
}

const input = readline.createInterface({ input: process.stdin });
input.on("line", (line) => {
  if (line.trim() === "") return;
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    return;
  }
  // Notifications (no id), such as notifications/initialized, get no answer.
  if (request.id === undefined || request.id === null) return;
  try {
    send({ jsonrpc: "2.0", id: request.id, result: answer(request) });
  } catch (error) {
    const code = typeof error.code === "number" ? error.code : -32603;
    send({ jsonrpc: "2.0", id: request.id, error: { code, message: String(error.message) } });
  }
});
input.on("close", () => process.exit(0));
process.stderr.write("acme-word-count: ready\n");
