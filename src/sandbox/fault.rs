//! Fault injection: the sandbox answering like a broken network or server.
//!
//! Any sandbox URL can be prefixed with `/_fault/{spec}` — e.g.
//! `ADO_SETUP_DEVOPS_URL=http://127.0.0.1:PORT/_fault/truncate` makes every
//! organization answer truncated JSON — and `ado-setup demo --serve --fault
//! SPEC` applies one fault to every request. `spec` is `{kind}` or
//! `{kind}:{match}`; with a match, only requests whose path contains `match`
//! (case-insensitive, e.g. `truncate:projects`) get the fault and the others
//! are served normally, so a flow can get past its first screens and meet the
//! fault later. The kinds ([`KINDS`]):
//!
//! | kind | answer |
//! |---|---|
//! | `delay-{ms}` | the normal answer after `{ms}` milliseconds (up to 10 minutes; a long one is a server that never answers) |
//! | `drop` | the normal status and headers with the full `Content-Length`, half the body, then the connection is reset |
//! | `truncate` | the normal status, the first half of the body, correctly framed (a complete answer that is not valid JSON) |
//! | `huge` | `200` `application/json`, 50 MiB of JSON, chunked (no `Content-Length`) |
//! | `html` | `200` `text/html`: a proxy's "access denied" page instead of JSON |
//! | `wrong-type` | `200` `text/plain`: a plain-text answer instead of JSON |
//! | `500`, `503` | that status with an Azure DevOps JSON error body, no `Retry-After` |
//! | `500-retry-after`, `503-retry-after` | the same with `Retry-After: 1` |
//! | `slow-loris` | the normal status and headers at once, then the body one byte every 500 ms |

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use tokio::time::Sleep;

use super::http::{Resp, error_body};

/// The path segment that starts a fault prefix.
pub const PREFIX: &str = "_fault";

/// Size of the `huge` answer.
pub const HUGE_BYTES: u64 = 50 * 1024 * 1024;

/// Longest `delay-{ms}`.
const MAX_DELAY: Duration = Duration::from_secs(600);

/// Pause between the bytes of a `slow-loris` body.
const DRIP_EVERY: Duration = Duration::from_millis(500);

/// Every kind with what it does (for `--help`, the banner and errors).
pub const KINDS: [(&str, &str); 10] = [
    ("delay-{ms}", "the normal answer after {ms} milliseconds"),
    (
        "drop",
        "half the body, then the connection is reset (Content-Length announces all of it)",
    ),
    (
        "truncate",
        "the first half of the body, correctly framed (invalid JSON)",
    ),
    ("huge", "200 with 50 MiB of JSON, chunked"),
    ("html", "200 text/html: a proxy's access-denied page"),
    ("wrong-type", "200 text/plain instead of JSON"),
    ("500", "HTTP 500 with an error body, no Retry-After"),
    ("503", "HTTP 503 with an error body, no Retry-After"),
    (
        "500-retry-after / 503-retry-after",
        "the same with Retry-After: 1",
    ),
    (
        "slow-loris",
        "headers at once, then one byte of the body every 500 ms",
    ),
];

/// What a faulty answer does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    Delay(Duration),
    Drop,
    Truncate,
    Huge,
    Html,
    WrongType,
    Status { code: u16, retry_after: bool },
    SlowLoris,
}

/// A fault and the requests it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Only requests whose path contains this (lowercase); all when `None`.
    pub only: Option<String>,
}

impl Fault {
    /// Parses `{kind}` or `{kind}:{match}`.
    pub fn parse(spec: &str) -> Result<Fault, String> {
        let (kind, only) = match spec.split_once(':') {
            Some((k, m)) if !m.is_empty() => (k, Some(m.to_ascii_lowercase())),
            Some((k, _)) => (k, None),
            None => (spec, None),
        };
        let kind = match kind.to_ascii_lowercase().as_str() {
            "drop" => FaultKind::Drop,
            "truncate" => FaultKind::Truncate,
            "huge" => FaultKind::Huge,
            "html" => FaultKind::Html,
            "wrong-type" => FaultKind::WrongType,
            "slow-loris" => FaultKind::SlowLoris,
            "500" | "503" | "500-retry-after" | "503-retry-after" => FaultKind::Status {
                code: if kind.starts_with("500") { 500 } else { 503 },
                retry_after: kind.ends_with("retry-after"),
            },
            other => match other
                .strip_prefix("delay-")
                .and_then(|ms| ms.parse::<u64>().ok())
            {
                Some(ms) => FaultKind::Delay(Duration::from_millis(ms).min(MAX_DELAY)),
                None => {
                    let names: Vec<&str> = KINDS.iter().flat_map(|(k, _)| k.split(" / ")).collect();
                    return Err(format!(
                        "unknown fault '{}': use one of {}, optionally followed by :MATCH",
                        super::http::truncate(spec, 60),
                        names.join(", ")
                    ));
                }
            },
        };
        Ok(Fault { kind, only })
    }

    /// Whether a request for `path` gets this fault.
    pub fn applies_to(&self, path: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|m| path.to_ascii_lowercase().contains(m))
    }

    /// Waits before the answer is made (`delay-{ms}`).
    pub async fn before(&self) {
        if let FaultKind::Delay(d) = self.kind {
            tokio::time::sleep(d).await;
        }
    }

    /// Turns the normal answer into the faulty one.
    pub async fn apply(&self, resp: Resp) -> Response<FaultBody> {
        let (mut parts, body) = unchanged(resp).await.into_parts();
        let bytes = match body.mode {
            Mode::Whole(b) => b.unwrap_or_default(),
            _ => Bytes::new(),
        };
        let half = bytes.slice(..bytes.len() / 2);
        let full_len = HeaderValue::from(bytes.len());
        let body = match &self.kind {
            FaultKind::Delay(_) => FaultBody::whole(bytes),
            FaultKind::Truncate => {
                parts.headers.remove(CONTENT_LENGTH);
                FaultBody::whole(half)
            }
            FaultKind::Drop => {
                parts.headers.insert(CONTENT_LENGTH, full_len);
                FaultBody::cut(half)
            }
            FaultKind::SlowLoris => {
                parts.headers.insert(CONTENT_LENGTH, full_len);
                FaultBody::drip(bytes)
            }
            FaultKind::Huge => {
                parts.status = StatusCode::OK;
                parts.headers.remove(CONTENT_LENGTH);
                parts.headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                );
                FaultBody::huge()
            }
            FaultKind::Html => {
                parts.status = StatusCode::OK;
                parts.headers.remove(CONTENT_LENGTH);
                parts.headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                FaultBody::whole(Bytes::from_static(PROXY_PAGE.as_bytes()))
            }
            FaultKind::WrongType => {
                parts.status = StatusCode::OK;
                parts.headers.remove(CONTENT_LENGTH);
                parts
                    .headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                FaultBody::whole(Bytes::from_static(b"OK\n"))
            }
            FaultKind::Status { code, retry_after } => {
                parts.status =
                    StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                parts.headers.remove(CONTENT_LENGTH);
                parts.headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                );
                if *retry_after {
                    parts
                        .headers
                        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
                }
                let message = if *code == 503 {
                    "TF400898: The service is temporarily unavailable (fault injected by the sandbox)."
                } else {
                    "TF246017: An internal error occurred (fault injected by the sandbox)."
                };
                let body = error_body(message, "VssServiceException", 0);
                FaultBody::whole(Bytes::from(body.to_string()))
            }
        };
        Response::from_parts(parts, body)
    }
}

/// The normal answer, with the body type every answer has.
pub async fn unchanged(resp: Resp) -> Response<FaultBody> {
    let (parts, body) = resp.into_parts();
    let bytes = match body.collect().await {
        Ok(c) => c.to_bytes(),
        Err(never) => match never {},
    };
    Response::from_parts(parts, FaultBody::whole(bytes))
}

/// What a proxy that blocks the request answers.
const PROXY_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Access Denied</title></head>\
<body><h1>Access Denied</h1><p>Your request was blocked by the corporate web proxy \
(policy: uncategorized sites). Contact your IT help desk.</p></body></html>\n";

/// The body of every sandbox answer: whole, or one of the faulty ones.
pub struct FaultBody {
    mode: Mode,
}

enum Mode {
    /// One chunk (possibly none left).
    Whole(Option<Bytes>),
    /// One chunk, then a connection error.
    Cut(Option<Bytes>),
    /// One byte per [`DRIP_EVERY`].
    Drip {
        data: Bytes,
        pos: usize,
        sleep: Pin<Box<Sleep>>,
    },
    /// `remaining` bytes of a JSON document that never ends in time.
    Huge { sent_head: bool, remaining: u64 },
}

/// The `huge` answer: head, `x` × (50 MiB − head − tail), tail.
const HUGE_CHUNK: usize = 64 * 1024;
const HUGE_HEAD: &[u8] = b"{\"count\":1,\"value\":[{\"name\":\"";
const HUGE_TAIL: &[u8] = b"\"}]}";
static XS: [u8; HUGE_CHUNK] = [b'x'; HUGE_CHUNK];

impl FaultBody {
    pub fn whole(bytes: Bytes) -> FaultBody {
        FaultBody {
            mode: Mode::Whole(Some(bytes)),
        }
    }

    fn cut(bytes: Bytes) -> FaultBody {
        FaultBody {
            mode: Mode::Cut(Some(bytes)),
        }
    }

    fn drip(data: Bytes) -> FaultBody {
        FaultBody {
            mode: Mode::Drip {
                data,
                pos: 0,
                sleep: Box::pin(tokio::time::sleep(DRIP_EVERY)),
            },
        }
    }

    fn huge() -> FaultBody {
        FaultBody {
            mode: Mode::Huge {
                sent_head: false,
                remaining: HUGE_BYTES,
            },
        }
    }
}

impl Body for FaultBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        match &mut this.mode {
            Mode::Whole(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Mode::Cut(b) => match b.take() {
                Some(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                None => Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "fault injected: connection dropped mid-body",
                )))),
            },
            Mode::Drip { data, pos, sleep } => {
                if *pos >= data.len() {
                    return Poll::Ready(None);
                }
                match sleep.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => {
                        let byte = data.slice(*pos..*pos + 1);
                        *pos += 1;
                        sleep
                            .as_mut()
                            .reset(tokio::time::Instant::now() + DRIP_EVERY);
                        Poll::Ready(Some(Ok(Frame::data(byte))))
                    }
                }
            }
            Mode::Huge {
                sent_head,
                remaining,
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let chunk = if !*sent_head {
                    *sent_head = true;
                    Bytes::from_static(HUGE_HEAD)
                } else if *remaining <= HUGE_TAIL.len() as u64 {
                    Bytes::from_static(HUGE_TAIL)
                } else {
                    let room = *remaining - HUGE_TAIL.len() as u64;
                    let n = usize::try_from(room).map_or(HUGE_CHUNK, |r| r.min(HUGE_CHUNK));
                    Bytes::from_static(&XS[..n])
                };
                let n = chunk
                    .len()
                    .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                *remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk.slice(..n)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.mode {
            Mode::Whole(b) => b.is_none(),
            Mode::Huge { remaining, .. } => *remaining == 0,
            Mode::Cut(_) | Mode::Drip { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.mode {
            Mode::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Mode::Whole(None) => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

/// Splits `/_fault/{spec}/rest?query` into the fault and `/rest?query`;
/// `None` when the path does not start with the prefix.
pub fn take_prefix(path_and_query: &str) -> Option<(Result<Fault, String>, String)> {
    let rest = path_and_query.strip_prefix('/')?;
    let (first, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let first = first.split('?').next().unwrap_or(first);
    if !first.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    let (spec, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let (spec, query) = match spec.split_once('?') {
        Some((s, q)) => (s, format!("?{q}")),
        None => (spec, String::new()),
    };
    let spec = super::util::percent_decode(spec, false).unwrap_or_else(|| spec.to_string());
    Some((Fault::parse(&spec), format!("/{tail}{query}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        assert_eq!(Fault::parse("drop").map(|f| f.kind), Ok(FaultKind::Drop));
        assert_eq!(
            Fault::parse("503-retry-after").map(|f| f.kind),
            Ok(FaultKind::Status {
                code: 503,
                retry_after: true
            })
        );
        assert_eq!(
            Fault::parse("500").map(|f| f.kind),
            Ok(FaultKind::Status {
                code: 500,
                retry_after: false
            })
        );
        assert_eq!(
            Fault::parse("delay-250").map(|f| f.kind),
            Ok(FaultKind::Delay(Duration::from_millis(250)))
        );
        let f = Fault::parse("truncate:Projects").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.only.as_deref(), Some("projects"));
        assert!(f.applies_to("/contoso-agile/_apis/projects"));
        assert!(!f.applies_to("/contoso-agile/_apis/connectionData"));
        assert!(Fault::parse("delay-x").is_err());
        assert!(Fault::parse("nonsense").is_err());
    }

    #[test]
    fn strips_the_prefix() {
        let (f, rest) = take_prefix("/_fault/html/contoso-agile/_apis/projects?api-version=7.1")
            .unwrap_or_else(|| panic!("no prefix"));
        assert_eq!(f.map(|f| f.kind), Ok(FaultKind::Html));
        assert_eq!(rest, "/contoso-agile/_apis/projects?api-version=7.1");
        assert!(take_prefix("/contoso-agile/_apis/projects").is_none());
        let (_, rest) = take_prefix("/_fault/drop").unwrap_or_else(|| panic!("no prefix"));
        assert_eq!(rest, "/");
    }
}
