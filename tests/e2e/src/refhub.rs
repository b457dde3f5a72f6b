//! The reference hub binary (`gatehouse-refhub`) for end-to-end tests: start it on a free
//! loopback port over an org directory, and talk to its test-control routes.

use std::io::{BufRead as _, Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::{Sandbox, binary};

/// The reference hub serving one org directory on a free loopback port. Stopped on drop.
#[derive(Debug)]
pub struct RunningHub {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// `key_id:base64`, as `config set hub-key` takes it.
    pub key: String,
    /// The enrollment link it prints for people to join with.
    pub enroll: String,
}

impl RunningHub {
    /// Starts `gatehouse-refhub --dir <org_dir>` (build it first: `cargo build --bins`).
    pub fn start(org_dir: &Path) -> RunningHub {
        RunningHub::start_with(org_dir, false)
    }

    /// [`RunningHub::start`], with the fault-injection routes on when `faults` is set.
    pub fn start_with(org_dir: &Path, faults: bool) -> RunningHub {
        RunningHub::start_on(org_dir, faults, "127.0.0.1:0")
    }

    /// The same on `listen` (`host:port`): a hub started again where it was, so a device
    /// finds it without a change of its settings.
    pub fn start_on(org_dir: &Path, faults: bool, listen: &str) -> RunningHub {
        let mut command = Command::new(binary("gatehouse-refhub"));
        command
            .args(["--dir", org_dir.to_str().unwrap_or_default()])
            .args(["--listen", listen]);
        if faults {
            command.arg("--faults");
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("gatehouse-refhub runs (cargo build --bins): {e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("piped stdout"));
        let mut lines = std::io::BufReader::new(stdout).lines();
        let (mut url, mut key, mut enroll) = (None, None, None);
        for line in lines.by_ref().take(8) {
            let line = line.unwrap_or_default();
            if let Some(rest) = line.strip_prefix("listening on ") {
                url = Some(rest.to_owned());
            } else if let Some(rest) = line.strip_prefix("hub-key: ") {
                key = Some(rest.to_owned());
            } else if let Some(rest) = line.strip_prefix("enroll: ") {
                enroll = Some(rest.to_owned());
            }
            if url.is_some() && key.is_some() && enroll.is_some() {
                break;
            }
        }
        // Keep reading stdout so the hub never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        match (url, key, enroll) {
            (Some(url), Some(key), Some(enroll)) => RunningHub {
                child,
                url,
                key,
                enroll,
            },
            _ => panic!("gatehouse-refhub did not print its url and key"),
        }
    }

    /// Stops the hub now (the device is then offline).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Points `sandbox` at this hub for `org`, with its key pinned.
    pub fn follow(&self, sandbox: &Sandbox, org: &str) {
        for (name, value) in [
            ("hub-url", self.url.as_str()),
            ("organization", org),
            ("hub-key", self.key.as_str()),
        ] {
            let (code, _, err) = sandbox.run(&["config", "set", name, value]);
            assert_eq!(code, 0, "config set {name}: {err}");
        }
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Copies the directory tree `from` to `to` (an example org into a temporary folder).
pub fn copy_dir(from: &Path, to: &Path) {
    let copied = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let target = to.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target)?;
            }
        }
        Ok(())
    })();
    if let Err(error) = copied {
        panic!("cannot copy `{}`: {error}", from.display());
    }
}

/// A minimal HTTP/1.1 request to the hub's test-control routes: (status, body).
pub fn http(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    http_as(base, method, path, body, None)
}

/// [`http`] with `token` as the bearer token, for the org routes.
pub fn http_as(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> (u16, String) {
    let address = base.strip_prefix("http://").unwrap_or(base);
    let body = body.unwrap_or("");
    let auth = token.map_or_else(String::new, |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    let exchange = || -> std::io::Result<String> {
        let mut stream = std::net::TcpStream::connect(address)?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    };
    let answer = match exchange() {
        Ok(answer) => answer,
        Err(error) => panic!("{method} {path}: {error}"),
    };
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: no status in `{answer}`"));
    let (head, rest) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    // The control routes answer small JSON, chunked or not; take the JSON part.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        rest.lines()
            .filter(|line| line.starts_with('{') || line.starts_with('['))
            .collect::<String>()
    } else {
        rest.to_owned()
    };
    (status, body)
}
