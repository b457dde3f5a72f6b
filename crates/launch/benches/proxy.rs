//! Proxy latency and throughput over `tokio::io::duplex`: a small request/response round
//! trip with and without the proxy in between (the difference is the added latency), and
//! 1 MiB messages each way. Results: `benches/RESULTS.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmarks"
)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatehouse_launch::{Endpoint, MemoryPins, PinMode, ProxyOptions, StopReason, proxy};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::runtime::Runtime;

const PIPE: usize = 64 * 1024;
const PING: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";
const PONG: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n";

/// A request or response of about 1 MiB, as one line.
fn big(kind: &str) -> Vec<u8> {
    let head = match kind {
        "request" => {
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"write\",\"arguments\":{\"data\":\""
        }
        _ => {
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\""
        }
    };
    let tail = if kind == "request" {
        "\"}}}\n"
    } else {
        "\"}]}}\n"
    };
    let mut line = head.as_bytes().to_vec();
    line.resize((1 << 20) - tail.len(), b'x');
    line.extend_from_slice(tail.as_bytes());
    line
}

/// The client's two ends: where it writes, and a reader of what it gets.
struct ClientEnds {
    tx: DuplexStream,
    rx: BufReader<DuplexStream>,
}

/// A server that answers every line it reads with `answer`.
fn serve(runtime: &Runtime, reader: DuplexStream, mut writer: DuplexStream, answer: Vec<u8>) {
    runtime.spawn(async move {
        let mut reader = BufReader::with_capacity(PIPE, reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line).await.unwrap() == 0 {
                return;
            }
            writer.write_all(&answer).await.unwrap();
        }
    });
}

/// A client connected to the server directly, or through the proxy.
fn connect(runtime: &Runtime, proxied: bool, answer: Vec<u8>) -> ClientEnds {
    let (client_tx, upstream_rx) = tokio::io::duplex(PIPE);
    let (downstream_tx, client_rx) = tokio::io::duplex(PIPE);
    if proxied {
        let (proxy_to_server, server_rx) = tokio::io::duplex(PIPE);
        let (server_tx, proxy_from_server) = tokio::io::duplex(PIPE);
        serve(runtime, server_rx, server_tx, answer);
        runtime.spawn(async move {
            let mut options = ProxyOptions::new("bench");
            options.pin_mode = PinMode::Strict;
            let pins = MemoryPins::default();
            proxy(
                Endpoint {
                    reader: upstream_rx,
                    writer: downstream_tx,
                },
                Endpoint {
                    reader: proxy_from_server,
                    writer: proxy_to_server,
                },
                &options,
                &pins,
                &(),
                std::future::pending::<StopReason>(),
            )
            .await
            .unwrap();
        });
    } else {
        serve(runtime, upstream_rx, downstream_tx, answer);
    }
    ClientEnds {
        tx: client_tx,
        rx: BufReader::with_capacity(PIPE, client_rx),
    }
}

/// Runs `iters` request/response exchanges and returns the time they took.
fn exchanges(runtime: &Runtime, ends: &mut ClientEnds, request: &[u8], iters: u64) -> Duration {
    runtime.block_on(async {
        let mut line = Vec::new();
        let started = Instant::now();
        for _ in 0..iters {
            let (written, read) = tokio::join!(ends.tx.write_all(request), async {
                line.clear();
                ends.rx.read_until(b'\n', &mut line).await
            });
            written.unwrap();
            assert!(read.unwrap() > 0, "the server answered");
        }
        started.elapsed()
    })
}

fn round_trip(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("ping_round_trip");
    for proxied in [false, true] {
        let mut ends = connect(&runtime, proxied, PONG.to_vec());
        let name = if proxied { "proxied" } else { "direct" };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| exchanges(&runtime, &mut ends, PING, iters))
        });
    }
    group.finish();
}

fn large_messages(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("1MiB_messages");
    group.throughput(Throughput::Bytes(1 << 20));
    group.sample_size(30);
    for proxied in [false, true] {
        let name = if proxied { "proxied" } else { "direct" };
        let request = big("request");
        let mut ends = connect(&runtime, proxied, PONG.to_vec());
        group.bench_function(format!("client_to_server/{name}"), |b| {
            b.iter_custom(|iters| exchanges(&runtime, &mut ends, &request, iters))
        });
        let mut ends = connect(&runtime, proxied, big("response"));
        group.bench_function(format!("server_to_client/{name}"), |b| {
            b.iter_custom(|iters| exchanges(&runtime, &mut ends, PING, iters))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = round_trip, large_messages
}
criterion_main!(benches);
