//! What each fault sends. Every wrong bundle is wrong in exactly one way, so a client test
//! proves the one check it is about: a bundle for another org is otherwise valid and signed
//! with the right key, a bad signature covers the current (valid) payload, and so on.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use futures_util::stream;
use gatehouse_policy::Timestamp;
use serde_json::{Map, Value, json};

use crate::clock;
use crate::faults::Fault;
use crate::http::bundle::envelope_response;
use crate::http::error::ApiError;
use crate::hub::{Hub, View};
use crate::published::payload;
use crate::signer::{Signer, envelope};

/// The ETag of every faulty 200: never the real one, so a client that wrongly kept it still
/// gets the real bundle next time.
const FAULT_ETAG: &str = "\"fault\"";
const DEFAULT_MALFORMED: &str = "{\"key_id\": \"refhub-1\", \"payload\": ";
const DEFAULT_UNKNOWN_KEY_ID: &str = "unknown-key";

pub(crate) async fn render(fault: Fault, hub: &Hub, view: &View) -> Response {
    let published = &view.published;
    let body = &view.content.body;
    let signer = hub.signer();
    let next = published.serial.saturating_add(1);
    match fault {
        Fault::Error { status } => injected(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            format!("injected fault: status {status}"),
        ),
        Fault::Hang { seconds } => {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            injected(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("injected fault: answered after hanging {seconds} s"),
            )
        }
        Fault::StallBody { seconds } => stalled(published.envelope.clone(), seconds),
        Fault::Malformed { body } => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::ETAG, HeaderValue::from_static(FAULT_ETAG)),
            ],
            body.unwrap_or_else(|| DEFAULT_MALFORMED.to_owned()),
        )
            .into_response(),
        Fault::MalformedPayload => faulty(signer.envelope(b"[]")),
        Fault::InvalidPolicy => {
            let mut body = body.clone();
            body.insert("org_policy".into(), json!({"min_cert_level": 7}));
            faulty(signer.envelope(&payload(&body, next, &clock::now_text())))
        }
        Fault::BadSignature => {
            let mut signature = signer.signature(&published.payload);
            signature[0] ^= 0x01;
            faulty(envelope(signer.key_id(), &published.payload, &signature))
        }
        Fault::UnknownKey { key_id } => {
            let key_id = key_id.unwrap_or_else(|| DEFAULT_UNKNOWN_KEY_ID.to_owned());
            match Signer::random(key_id) {
                Ok(stranger) => faulty(stranger.envelope(&published.payload)),
                Err(e) => ApiError::internal(e.chain()).into_response(),
            }
        }
        Fault::LowerSerial { serial } => {
            let serial = serial.unwrap_or(published.serial.saturating_sub(1));
            faulty(signer.envelope(&payload(body, serial, &published.issued_at)))
        }
        Fault::SameSerial => {
            let issued =
                Timestamp::parse_rfc3339(&published.issued_at).unwrap_or_else(|_| clock::now());
            let other_time = Timestamp(issued.0.saturating_add(1)).to_string();
            faulty(signer.envelope(&payload(body, published.serial, &other_time)))
        }
        // Only registry artifacts take it (`Fault::fits`); they render it themselves.
        Fault::WrongDigest => injected(
            StatusCode::INTERNAL_SERVER_ERROR,
            "injected fault: wrong_digest applies to registry artifacts".to_owned(),
        ),
        Fault::OtherOrg { org } => {
            let org = org.unwrap_or_else(|| format!("{}-other", view.content.org));
            let mut body: Map<String, Value> = body.clone();
            body.insert("org".into(), json!(org));
            faulty(signer.envelope(&payload(&body, next, &clock::now_text())))
        }
    }
}

fn injected(status: StatusCode, message: String) -> Response {
    ApiError::new(status, "fault_injected", message).into_response()
}

fn faulty(envelope: Vec<u8>) -> Response {
    envelope_response(HeaderValue::from_static(FAULT_ETAG), envelope)
}

/// Sends the first half of `body`, waits, then fails the stream, which cuts the connection:
/// the client sees a 200 whose body never completes.
pub(crate) fn stalled(body: Vec<u8>, seconds: u64) -> Response {
    let half = body.len() / 2;
    let first = Bytes::from(body).slice(..half);
    let stream =
        stream::iter([Ok::<Bytes, std::io::Error>(first)]).chain(stream::once(async move {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            Err(std::io::Error::other(
                "injected fault: body cut after a stall",
            ))
        }));
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, HeaderValue::from_static(FAULT_ETAG)),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
