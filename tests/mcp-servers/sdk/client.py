"""The official Python SDK client (`mcp` 2.3.0) driving one scenario against a server
command, printing what it saw as one JSON object on stdout for the Rust test to check.

    client.py MODE SCENARIO -- COMMAND [ARGS...]

MODE is the SDK's: `auto` (probe 2026-07-28 with `server/discover`, fall back to
`initialize`), `legacy` (the handshake) or `2026-07-28` (no probe at all). SCENARIO:
- `session`: connect, list tools, call `add`; report the protocol version, instructions,
  tools, the call's text and every log message received.
- `mrtr`: call `greet`, which asks for a name through an `input_required` result; the
  SDK answers and retries.
- `until-stopped`: connect, then call `add` every 200 ms until a call fails (a new policy
  stopped the session), for at most 30 s; report the error.
Any error is reported as `{"error": {"code", "message"}}` (the SDK wraps it in exception
groups; the leaf is what a client app shows).
"""

import json
import os
import sys
import time

import anyio
import mcp_types as types
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError


def leaves(error):
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from leaves(inner)
    else:
        yield error


async def elicit(_context, params):
    return types.ElicitResult(action="accept", content={"name": "octocat"})


async def run(mode, scenario, command):
    report = {"logs": []}

    async def on_log(params):
        report["logs"].append({"level": params.level, "data": params.data})

    # The launcher needs the test's environment (its sandboxed data dir); the SDK would pass
    # only a few safe variables by default.
    server = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    async with Client(
        server,
        mode=mode,
        log_level="info" if mode == "auto" else None,
        logging_callback=on_log,
        elicitation_callback=elicit,
    ) as client:
        report["protocol_version"] = client.protocol_version
        report["instructions"] = client.instructions
        if scenario == "session":
            tools = await client.list_tools()
            report["tools"] = sorted(tool.name for tool in tools.tools)
            result = await client.call_tool("add", {"a": 2, "b": 3})
            report["text"] = result.content[0].text
        elif scenario == "mrtr":
            result = await client.call_tool("greet", {})
            report["text"] = result.content[0].text
        elif scenario == "until-stopped":
            await client.list_tools()
            print(json.dumps({"ready": True}), flush=True)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                await client.call_tool("add", {"a": 1, "b": 1})
                await anyio.sleep(0.2)
            report["still_running"] = True
    return report


def main():
    mode, scenario, dash, *command = sys.argv[1:]
    assert dash == "--", __doc__
    try:
        report = anyio.run(run, mode, scenario, command)
    except BaseException as error:  # noqa: BLE001 - every failure is the report
        found = [leaf for leaf in leaves(error) if isinstance(leaf, MCPError)]
        if found:
            report = {"error": {"code": found[0].code, "message": str(found[0])}}
        else:
            report = {"error": {"code": None, "message": repr(error)}}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
