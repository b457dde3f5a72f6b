//! The client against a hand-written loopback server, for what the reference hub cannot
//! show: the exact request headers, redirects, and an oversized body.

use std::time::Duration;

use gatehouse_hub::{ClientError, Fetch, HubClient, MAX_BODY, Sensitive, user_agent};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves one connection: sends `head`, then `body_len` zero bytes; hands back the request.
async fn serve_once(head: String, body_len: usize) -> (String, oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0_u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).await.unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..n]);
        }
        let _ = tx.send(String::from_utf8_lossy(&request).into_owned());
        let _ = socket.write_all(head.as_bytes()).await;
        let chunk = vec![0_u8; 1 << 20];
        let mut left = body_len;
        while left > 0 {
            let n = left.min(chunk.len());
            if socket.write_all(&chunk[..n]).await.is_err() {
                break; // the client stopped reading: that is the point
            }
            left -= n;
        }
    });
    (url, rx)
}

#[tokio::test]
async fn requests_carry_the_user_agent_token_and_etag() {
    let (url, request) = serve_once(
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n".to_owned(),
        0,
    )
    .await;
    let client = HubClient::new(&url, Some(Sensitive::new("tok-9".to_owned()))).unwrap();
    let answer = client
        .fetch_bundle("acme", Some("\"7-abc\""), Some("dev 1"))
        .await
        .unwrap();
    assert_eq!(answer, Fetch::NotModified { freshness: None });
    let request = request.await.unwrap().to_ascii_lowercase();
    assert!(
        request.starts_with("get /api/v1/orgs/acme/policy-bundle?device=dev+1 http/1.1"),
        "{request}"
    );
    assert!(
        request.contains(&format!("user-agent: {}", user_agent())),
        "{request}"
    );
    assert!(request.contains("authorization: bearer tok-9"), "{request}");
    assert!(request.contains("if-none-match: \"7-abc\""), "{request}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_the_token_stays_with_the_hub() {
    let head =
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:9/elsewhere\r\nContent-Length: 0\r\n\r\n";
    let (url, _request) = serve_once(head.to_owned(), 0).await;
    let client = HubClient::new(&url, Some(Sensitive::new("tok".to_owned()))).unwrap();
    let error = client.fetch_bundle("acme", None, None).await.unwrap_err();
    assert!(
        matches!(error, ClientError::Http { status: 302, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_declared_body_over_the_bound_is_refused_before_reading() {
    let length = MAX_BODY + 1;
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n");
    let (url, _request) = serve_once(head, length).await;
    let client = HubClient::with_timeout(&url, None, Duration::from_secs(20)).unwrap();
    let error = client.fetch_bundle("acme", None, None).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Malformed(text) if text.contains("larger than")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_chunked_body_over_the_bound_is_refused_while_reading() {
    // One chunk of MAX_BODY + 1 bytes: no length is declared up front.
    let length = MAX_BODY + 1;
    let head = format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{length:x}\r\n");
    let (url, _request) = serve_once(head, length).await;
    let client = HubClient::with_timeout(&url, None, Duration::from_secs(20)).unwrap();
    let error = client.fetch_bundle("acme", None, None).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Malformed(text) if text.contains("larger than")),
        "{error:?}"
    );
}
