//! Real-world spellings, taken from configs people published (READMEs and checked-in
//! `mcp.json` files of public repositories), and the attacks the identity issue measured.
//! Each row: the command line, whether it is clean, the package it pins (name, version),
//! and the names a deny list must see.

use super::*;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|arg| (*arg).to_owned()).collect()
}

/// (command, args, clean, pinned name, pinned version, names seen)
type Row<'a> = (
    &'a str,
    &'a [&'a str],
    bool,
    Option<&'a str>,
    Option<&'a str>,
    &'a [&'a str],
);

const ROWS: &[Row<'static>] = &[
    // npx, from the servers README, Playwright, Context7, Chrome DevTools, Supabase …
    (
        "npx",
        &[
            "-y",
            "@modelcontextprotocol/server-filesystem",
            "/Users/u/Desktop",
        ],
        false,
        Some("@modelcontextprotocol/server-filesystem"),
        None,
        &["@modelcontextprotocol/server-filesystem"],
    ),
    (
        "npx",
        &[
            "-y",
            "@modelcontextprotocol/server-everything@2026.8.31",
            "stdio",
        ],
        true,
        Some("@modelcontextprotocol/server-everything"),
        Some("2026.8.31"),
        &["@modelcontextprotocol/server-everything"],
    ),
    (
        "npx",
        &["@playwright/mcp@latest", "--isolated"],
        false,
        Some("@playwright/mcp"),
        None,
        &["@playwright/mcp"],
    ),
    (
        "npx",
        &[
            "-y",
            "--node-options=--experimental-vm-modules",
            "@upstash/context7-mcp@1.0.6",
        ],
        false,
        Some("@upstash/context7-mcp"),
        Some("1.0.6"),
        &["@upstash/context7-mcp"],
    ),
    (
        "npx",
        &["chrome-devtools-mcp@1.7.0"],
        true,
        Some("chrome-devtools-mcp"),
        Some("1.7.0"),
        &["chrome-devtools-mcp"],
    ),
    (
        "npx",
        &["--yes", "chrome-devtools-mcp@1.7.0", "--headless=true"],
        true,
        Some("chrome-devtools-mcp"),
        Some("1.7.0"),
        &["chrome-devtools-mcp"],
    ),
    (
        "npx",
        &[
            "-y",
            "--registry",
            "$registryUrl",
            "@azure/mcp@$version",
            "server",
            "start",
        ],
        false,
        Some("@azure/mcp"),
        None,
        &["@azure/mcp"],
    ),
    (
        "npx",
        &[
            "-y",
            "mongodb-mcp-server",
            "mongodb+srv://user:pw@cluster.mongodb.net/db",
            "--readOnly",
        ],
        false,
        Some("mongodb-mcp-server"),
        None,
        &["mongodb-mcp-server"],
    ),
    (
        "npx",
        &["-y", "--package=task-master-ai", "task-master-ai"],
        false,
        None,
        None,
        &["task-master-ai", "task-master-ai"],
    ),
    (
        "npx",
        &["-y", "--package=bracketeer-cli", "bracketeer-mcp"],
        false,
        None,
        None,
        &["bracketeer-cli", "bracketeer-mcp"],
    ),
    (
        "npx",
        &["-y", "github:UniverseCitiz3n/samsung-api-mcp#main"],
        false,
        None,
        None,
        &[],
    ),
    (
        "npx",
        &["-y", "--", "github:almai1/mcp-server-eleven"],
        false,
        None,
        None,
        &[],
    ),
    (
        "npx",
        &["tsx", "/path/to/context7/packages/mcp/src/index.ts"],
        false,
        Some("tsx"),
        None,
        &["tsx"],
    ),
    (
        "npm",
        &[
            "exec",
            "@modelcontextprotocol/server-filesystem@2025.12.18",
            "/dir",
        ],
        true,
        Some("@modelcontextprotocol/server-filesystem"),
        Some("2025.12.18"),
        &["@modelcontextprotocol/server-filesystem"],
    ),
    (
        "/usr/local/bin/npx",
        &["-y", "@notionhq/notion-mcp-server@1.9.0"],
        true,
        Some("@notionhq/notion-mcp-server"),
        Some("1.9.0"),
        &["@notionhq/notion-mcp-server"],
    ),
    (
        "npx.cmd",
        &["-y", "@notionhq/notion-mcp-server@1.9.0"],
        true,
        Some("@notionhq/notion-mcp-server"),
        Some("1.9.0"),
        &["@notionhq/notion-mcp-server"],
    ),
    (
        "npx",
        &["-y", "@acme/tool@^1.2.0"],
        false,
        Some("@acme/tool"),
        None,
        &["@acme/tool"],
    ),
    (
        "npx",
        &["-y", "some-alias@npm:@evil/pkg@1.0.0"],
        false,
        None,
        None,
        &["@evil/pkg"],
    ),
    (
        "npx",
        &["-y", "https://example.com/pkg-1.0.0.tgz"],
        false,
        None,
        None,
        &[],
    ),
    // npx's own parsing: an unknown `--option` takes the next argument as its value.
    ("npx", &["--no-yes", "pkg@1.0.0"], false, None, None, &[]),
    // bunx, pnpm dlx, yarn dlx.
    (
        "bunx",
        &["@modelcontextprotocol/server-memory@2026.1.0"],
        true,
        Some("@modelcontextprotocol/server-memory"),
        Some("2026.1.0"),
        &["@modelcontextprotocol/server-memory"],
    ),
    (
        "bunx",
        &["--bun", "mcp-x@1.0.0"],
        false,
        Some("mcp-x"),
        Some("1.0.0"),
        &["mcp-x"],
    ),
    (
        "pnpm",
        &["dlx", "@playwright/mcp@0.0.41"],
        true,
        Some("@playwright/mcp"),
        Some("0.0.41"),
        &["@playwright/mcp"],
    ),
    (
        "pnpm",
        &["--package=yo", "dlx", "yo"],
        false,
        Some("yo"),
        None,
        &["yo", "yo"],
    ),
    (
        "yarn",
        &["dlx", "-p", "@evil/pkg", "tool"],
        false,
        None,
        None,
        &["@evil/pkg", "tool"],
    ),
    // uvx, uv tool run: `--from`, `--with`, `==` and `@` pins, extras, git.
    (
        "uvx",
        &[
            "mcp-server-time==2026.10.19",
            "--local-timezone=Europe/Paris",
        ],
        true,
        Some("mcp-server-time"),
        Some("2026.10.19"),
        &["mcp-server-time"],
    ),
    (
        "uvx",
        &["mcp-server-fetch@2025.4.7"],
        true,
        Some("mcp-server-fetch"),
        Some("2025.4.7"),
        &["mcp-server-fetch"],
    ),
    (
        "uvx",
        &["mcp-server-git"],
        false,
        Some("mcp-server-git"),
        None,
        &["mcp-server-git"],
    ),
    (
        "uvx",
        &[
            "--from",
            "git+https://github.com/oraios/serena",
            "serena",
            "start-mcp-server",
        ],
        false,
        None,
        None,
        &["serena"],
    ),
    (
        "uvx",
        &["--python", "3.12", "mcp-server-time==2026.10.19"],
        false,
        Some("mcp-server-time"),
        Some("2026.10.19"),
        &["mcp-server-time"],
    ),
    (
        "uvx",
        &["-p3.12", "mcp-server-time==2026.10.19"],
        false,
        Some("mcp-server-time"),
        Some("2026.10.19"),
        &["mcp-server-time"],
    ),
    (
        "uvx",
        &["--with", "evil", "mcp-good==1.0.0"],
        false,
        Some("mcp-good"),
        Some("1.0.0"),
        &["evil", "mcp-good"],
    ),
    (
        "uvx",
        &["--with", "a[x,y],b", "mcp-good==1.0.0"],
        false,
        Some("mcp-good"),
        Some("1.0.0"),
        &["a", "b", "mcp-good"],
    ),
    (
        "uvx",
        &["--from", "evil-py", "evil-cmd"],
        false,
        None,
        None,
        &["evil-py", "evil-cmd"],
    ),
    (
        "uvx",
        &["mcp-server-fetch[extra]==1.0.0"],
        false,
        Some("mcp-server-fetch"),
        None,
        &["mcp-server-fetch"],
    ),
    (
        "uvx",
        &["mcp-x>=1.0"],
        false,
        Some("mcp-x"),
        None,
        &["mcp-x"],
    ),
    (
        "uv",
        &["tool", "run", "mcp-server-time==2026.10.19"],
        true,
        Some("mcp-server-time"),
        Some("2026.10.19"),
        &["mcp-server-time"],
    ),
    (
        "uvx.exe",
        &["-q", "mcp-server-time==2026.10.19"],
        true,
        Some("mcp-server-time"),
        Some("2026.10.19"),
        &["mcp-server-time"],
    ),
    // pipx run: `--spec`, and argparse's unique prefixes.
    (
        "pipx",
        &["run", "mcp-server-time==2026.10.19"],
        true,
        Some("mcp-server-time"),
        Some("2026.10.19"),
        &["mcp-server-time"],
    ),
    (
        "pipx",
        &["run", "--spec", "git+https://github.com/x/y@main", "y"],
        false,
        None,
        None,
        &["y"],
    ),
    (
        "pipx",
        &["run", "--sp", "evil-py", "good-cmd"],
        false,
        None,
        None,
        &["evil-py", "good-cmd"],
    ),
    // docker run: the image is the first non-option; digests pin; `-it` bundles.
    (
        "docker",
        &[
            "run",
            "-i",
            "--rm",
            "-e",
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            "ghcr.io/github/github-mcp-server",
        ],
        false,
        Some("ghcr.io/github/github-mcp-server"),
        None,
        &["ghcr.io/github/github-mcp-server"],
    ),
    (
        "docker",
        &["run", "-i", "--rm", DIGEST_IMAGE],
        true,
        Some("mcp/fetch"),
        None,
        &["mcp/fetch"],
    ),
    (
        "docker",
        &["run", "-i", "--rm", "--init", DIGEST_IMAGE],
        true,
        Some("mcp/fetch"),
        None,
        &["mcp/fetch"],
    ),
    (
        "docker",
        &["run", "-it", "--rm", DIGEST_IMAGE],
        false,
        Some("mcp/fetch"),
        None,
        &["mcp/fetch"],
    ),
    // Windows' `cmd /c` wrapper: never clean, its names still seen.
    (
        "cmd",
        &[
            "/c",
            "npx",
            "-y",
            "@modelcontextprotocol/server-memory@2026.1.0",
        ],
        false,
        Some("@modelcontextprotocol/server-memory"),
        Some("2026.1.0"),
        &["@modelcontextprotocol/server-memory"],
    ),
    (
        "docker",
        &[
            "run",
            "-i",
            "--rm",
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock",
            DIGEST_IMAGE,
        ],
        false,
        Some("mcp/fetch"),
        None,
        &["mcp/fetch"],
    ),
    (
        "docker",
        &["run", "-i", "--rm", "--entrypoint", "/bin/sh", DIGEST_IMAGE],
        false,
        Some("mcp/fetch"),
        None,
        &["mcp/fetch"],
    ),
    (
        "docker",
        &[
            "run",
            "-i",
            "--rm",
            "grafana/mcp-grafana:latest",
            "-t",
            "stdio",
        ],
        false,
        Some("grafana/mcp-grafana"),
        None,
        &["grafana/mcp-grafana"],
    ),
    (
        "docker",
        &["run", "-i", "--rm", "localhost:5000/tools/mcp"],
        false,
        Some("localhost:5000/tools/mcp"),
        None,
        &["localhost:5000/tools/mcp"],
    ),
];

const DIGEST_IMAGE: &str =
    "mcp/fetch@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn published_spellings_are_read_as_their_runners_read_them() {
    for (command, list, clean, name, version, names) in ROWS {
        let parsed = parse(command, &args(list))
            .unwrap_or_else(|| panic!("`{command}` is a runner: {list:?}"));
        let target = parsed.target.clone();
        assert_eq!(
            parsed.clean, *clean,
            "{command} {list:?}: clean {:?}",
            parsed
        );
        assert_eq!(
            target.as_ref().and_then(|t| t.name.as_deref()),
            *name,
            "{command} {list:?}"
        );
        assert_eq!(
            target.as_ref().and_then(|t| t.version.as_deref()),
            *version,
            "{command} {list:?}"
        );
        let mut seen = parsed.names.clone();
        seen.sort();
        let mut expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        expected.sort();
        assert_eq!(
            seen, expected,
            "{command} {list:?}: the names a deny list sees"
        );
    }
}

#[test]
fn a_docker_image_pinned_by_digest_keeps_the_digest() {
    let parsed = parse("docker", &args(&["run", "-i", "--rm", DIGEST_IMAGE])).unwrap();
    let target = parsed.target.unwrap();
    assert_eq!(
        target.digest.as_deref(),
        Some("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    );
}

#[test]
fn programs_that_are_not_runners_are_not_read() {
    for command in ["node", "/bin/sh", "python3", "./server", "uv"] {
        assert!(
            parse(command, &args(&["-c", "x"])).is_none(),
            "`{command}` names no package"
        );
    }
}
