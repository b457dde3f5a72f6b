//! Starts tauri-driver on free ports and opens a WebDriver session on the app binary.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use tokio::process::{Child, Command};

pub struct Session {
    pub client: Client,
    driver: Child,
}

fn free_port() -> u16 {
    // Never 4445: tauri-driver's default native port, where a clash makes it loop and log
    // gigabytes. Asking the OS for a free port avoids it and parallel runs alike.
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Session {
    pub async fn start(env: &[(&str, &OsStr)]) -> Session {
        Session::start_with_args(env, &[]).await
    }

    /// [`Session::start`], the app started with `args` (an enrollment link, say).
    pub async fn start_with_args(env: &[(&str, &OsStr)], args: &[&str]) -> Session {
        let app = gatehouse_e2e::binary("gatehouse-app");
        let (port, native_port) = (free_port(), free_port());
        let log =
            std::fs::File::create(gatehouse_e2e::artifacts_dir("e2e").join("tauri-driver.log"))
                .unwrap();
        let mut command = Command::new("tauri-driver");
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let driver = command.spawn().expect("tauri-driver must start");

        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app.to_string_lossy(), "args": args }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = loop {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() < deadline => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(error) => panic!("no WebDriver session on the app within 60 s: {error}"),
            }
        };
        Session { client, driver }
    }

    /// Saves a PNG of the window as `artifacts/e2e/<name>.png` for a person to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        assert!(
            png.starts_with(b"\x89PNG"),
            "WebDriver returns a PNG screenshot"
        );
        let path = gatehouse_e2e::artifacts_dir("e2e").join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    pub async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}
