"""A real MCP server on the official Python SDK (`mcp` 2.3.0), which serves both protocol
eras: the handshake (`initialize`) and 2026-07-28 (`server/discover`, `_meta` on each
request). The launcher tests run it through `gatehouse run`.

Its `add` tool's description is read from the file named by `--description-file` when the
file exists, so a test can change a tool between launches without changing the launch.
"""

import argparse
import warnings
import pathlib

import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer

parser = argparse.ArgumentParser()
parser.add_argument("--description-file")
options = parser.parse_args()
# The SDK warns that logging is deprecated in 2026-07-28; this server logs on purpose, to
# show that log messages still cross the proxy where the era allows them.
warnings.simplefilter("ignore")

description = "Add two integers."
if options.description_file and pathlib.Path(options.description_file).exists():
    description = pathlib.Path(options.description_file).read_text().strip()

server = MCPServer("gatehouse-test", version="1.0.0", instructions="Call add to add.")


@server.tool(description=description)
async def add(a: int, b: int, ctx: Context) -> int:
    await ctx.info(f"adding {a}+{b}")
    return a + b


@server.tool()
async def greet(ctx: Context) -> types.CallToolResult | types.InputRequiredResult:
    """Greet the person by the name they give (a multi-round-trip request)."""
    answers = ctx.input_responses
    if not answers or "who" not in answers:
        return types.InputRequiredResult(
            input_requests={
                "who": types.ElicitRequest(
                    params=types.ElicitRequestFormParams(
                        message="Your name?",
                        requested_schema={
                            "type": "object",
                            "properties": {"name": {"type": "string"}},
                            "required": ["name"],
                        },
                    )
                )
            },
            request_state="asked-for-name",
        )
    name = answers["who"].content["name"]
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=f"hello {name}")]
    )


if __name__ == "__main__":
    server.run("stdio")
