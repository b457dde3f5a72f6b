//! Measures what `gatehouse run` pays to open the store on every launch: `Store::open` on an
//! existing database plus one read. Run with
//! `cargo run --release -p gatehouse-store --example open_cost`.

use std::time::{Duration, Instant};

use gatehouse_store::Store;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("gatehouse.db");
    Store::open(&path).await?.close().await;

    let runs = 200;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let store = Store::open(&path).await?;
        store.latest_snapshot_serial().await?;
        times.push(started.elapsed());
        store.close().await;
    }
    times.sort();
    println!(
        "open + one read, {runs} runs: median {:?}, p90 {:?}, min {:?}, max {:?}",
        times[runs / 2],
        times[runs * 9 / 10],
        times[0],
        times[runs - 1]
    );
    Ok(())
}
