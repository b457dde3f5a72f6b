//! `gatehouse-refhub`: serves one org directory over HTTP (see the library docs).
//!
//! The first line on stdout is always `listening on http://<address>`, so scripts and tests
//! that pass `--listen 127.0.0.1:0` can read the port; the org, the key to pin, its
//! fingerprint, the enrollment link to hand people (`enroll: gatehouse://enroll?…`) and the
//! serial follow. Logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gatehouse_refhub::{Config, DEFAULT_KEY_ID, Error, Hub, serve};

/// The Gatehouse reference hub: signed policy bundles, catalog search and audit intake for
/// one org, from a directory of YAML files.
#[derive(Debug, Parser)]
#[command(name = "gatehouse-refhub", version)]
struct Args {
    /// The org directory: org.yaml, policy/, areas/, servers.yaml, catalog.yaml.
    #[arg(long)]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free one (printed on the first line).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Signing key file (base64 32-byte Ed25519 seed); made with mode 0600 if missing.
    /// Default: <dir>/.refhub/signing-key.
    #[arg(long)]
    key: Option<PathBuf>,
    /// The key id bundles are signed under.
    #[arg(long, default_value = DEFAULT_KEY_ID)]
    key_id: String,
    /// The hub's SQLite file (serial and received audit events).
    /// Default: <dir>/.refhub/state.db.
    #[arg(long)]
    state: Option<PathBuf>,
    /// A bearer token to accept, besides those in org.yaml; repeatable.
    #[arg(long = "token")]
    tokens: Vec<String>,
    /// Serve the test-control routes /__faults and /__audit (loopback only).
    #[arg(long)]
    faults: bool,
    /// The address people's computers reach this hub at (e.g. behind a TLS proxy), for the
    /// enrollment link printed at start. Default: the listening address.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// The area the printed enrollment link puts people in.
    #[arg(long, value_name = "AREA")]
    enroll_area: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error.chain());
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Error> {
    if args.faults && !args.listen.ip().is_loopback() {
        return Err(Error::FaultsNotLoopback(args.listen));
    }
    let mut config = Config::new(&args.dir);
    if let Some(key) = args.key {
        config.key_file = key;
    }
    if let Some(state) = args.state {
        config.state_file = state;
    }
    config.key_id = args.key_id;
    config.tokens = args.tokens;
    config.faults = args.faults;

    let hub = Hub::open(config)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(Error::Serve)?;
    let address = listener.local_addr().map_err(Error::Serve)?;
    let view = hub.view();
    let signer = hub.signer();
    if hub.key_created() {
        eprintln!(
            "refhub: made a new signing key in `{}`",
            hub.config().key_file.display()
        );
    }
    if !address.ip().is_loopback() {
        eprintln!(
            "refhub: listening beyond loopback over plain http; the app refuses http except on loopback"
        );
    }
    println!("listening on http://{address}");
    println!("org: {}", view.content.org);
    println!("hub-key: {}:{}", signer.key_id(), signer.public_key());
    println!("fingerprint: {}", signer.fingerprint());
    let public_url = args
        .public_url
        .unwrap_or_else(|| format!("http://{address}"));
    println!(
        "enroll: {}",
        gatehouse_refhub::enrollment_link(
            &public_url,
            &view.content.org,
            args.enroll_area.as_deref(),
            signer.key_id(),
            &signer.fingerprint(),
        )
    );
    println!("serial: {}", view.published.serial);
    if hub.config().faults {
        println!("faults: http://{address}/__faults");
    }

    tokio::select! {
        served = serve(hub, listener) => served,
        () = shutdown() => Ok(()),
    }
}

/// Ctrl-C or SIGTERM. In-flight requests are dropped, not drained: a `hang` fault could
/// otherwise hold the process for minutes, and every write is already committed.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
