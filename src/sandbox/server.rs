//! The sandbox HTTP server: accept loop, request decoding and the top-level
//! router that sends each request to the Entra ID, profile, organization or
//! collection handlers.
//!
//! Contract:
//! - Every request gets a response; no input (path, query, headers, body)
//!   can panic a handler. Bad percent-encoding → 400, unknown routes → 404
//!   (JSON), wrong method → 405, bodies over 4 MiB → 413.
//! - Every response (host scenarios aside) carries `ActivityId`,
//!   `X-VSS-E2EID` and `X-TFS-ProcessId`; organization responses also
//!   `X-VSS-ResourceTenant`.
//! - URL layout (all on one host): `/{org}/…` Services organizations,
//!   `/_apis/…` and `/tfs/_apis/…` the deployment level (see [`location`]),
//!   `/tfs/{collection}/…` the Server collections, `/_vssps/{org}/…` the
//!   vssps host, `/_profile/…` the profile host, `/_login/…` Entra ID,
//!   `/_imds/…` the Azure instance metadata service (managed identities).
//! - Host scenarios, which stand for other web servers and carry none of the
//!   Azure DevOps headers (see `host_scenario`): `/_redirect/{rest}` → `302`
//!   to `http://localhost:PORT/{rest}` (a cross-host redirect);
//!   `/_notado/{rest}` → `200` with an IIS default page. The same answers as
//!   collection URLs: `/tfs/RedirectedCollection/…` (→
//!   `http://localhost:PORT/tfs/DefaultCollection/…`) and
//!   `/tfs/NotAzureDevOps/…`.
//! - Order of checks for organization requests: organization exists (404) →
//!   credentials (401/203/403) → non-API page → `api-version` (400) →
//!   scenario faults (429) → route.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::auth::{self, Caller};
use super::ctx::Ctx;
use super::data::Org;
use super::fault::{self, FaultBody, unchanged};
use super::http::{
    ApiVersion, HResult, Resp, add_header, ado_error, find_api_version, html, method_not_allowed,
    not_found, truncate,
};
use super::state::State;
use super::util::{encode_segment, parse_pairs, percent_decode, random_guid};
use super::{core_api, entra, imds, location, profile, wit};

/// Largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Runs the accept loop until `stop` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    st: Arc<State>,
    mut stop: watch::Receiver<bool>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_buf_size(1024 * 1024);
    let builder = Arc::new(builder);
    let mut conns: JoinSet<()> = JoinSet::new();
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Transient accept errors (e.g. too many open files): back off.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let st = st.clone();
                let builder = builder.clone();
                let tls = tls.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req| {
                        let st = st.clone();
                        async move { Ok::<_, Infallible>(respond(st, req).await) }
                    });
                    match tls {
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                        Some(acceptor) => {
                            // A client that rejects the certificate ends it here.
                            let accepted = tokio::time::timeout(
                                Duration::from_secs(30),
                                acceptor.accept(stream),
                            )
                            .await;
                            if let Ok(Ok(tls_stream)) = accepted {
                                let _ = builder
                                    .serve_connection(TokioIo::new(tls_stream), svc)
                                    .await;
                            }
                        }
                    }
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// Handles one request with its fault, if any: the `/_fault/{spec}` prefix
/// of the path (see [`fault`]), else the server-wide one.
async fn respond(st: Arc<State>, mut req: Request<Incoming>) -> Response<FaultBody> {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let fault = match fault::take_prefix(&path_and_query) {
        Some((Ok(f), rest)) => {
            let mut parts = req.uri().clone().into_parts();
            match rest.parse() {
                Ok(pq) => parts.path_and_query = Some(pq),
                Err(_) => {
                    return unchanged(bad_fault(&st, "the path after the fault is not valid"))
                        .await;
                }
            }
            match hyper::Uri::from_parts(parts) {
                Ok(uri) => *req.uri_mut() = uri,
                Err(_) => {
                    return unchanged(bad_fault(&st, "the path after the fault is not valid"))
                        .await;
                }
            }
            Some(f)
        }
        Some((Err(message), _)) => return unchanged(bad_fault(&st, &message)).await,
        None => st
            .fault
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone(),
    };
    match fault.filter(|f| f.applies_to(req.uri().path())) {
        Some(f) => {
            f.before().await;
            let resp = handle(st, req).await;
            f.apply(resp).await
        }
        None => unchanged(handle(st, req).await).await,
    }
}

/// `400` for a fault prefix that cannot be used.
fn bad_fault(st: &State, message: &str) -> Resp {
    finish(st, ado_error(400, message, "VssServiceException"))
}

/// Handles one request and records when it was served.
async fn handle(st: Arc<State>, req: Request<Incoming>) -> Resp {
    let start = std::time::Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let resp = handle_inner(st.clone(), req).await;
    st.log.push(super::record::ServedRequest {
        method,
        path,
        start,
        end: std::time::Instant::now(),
    });
    resp
}

/// Handles one request: decode, route, add the common headers.
async fn handle_inner(st: Arc<State>, req: Request<Incoming>) -> Resp {
    st.requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if !st.latency.is_zero() {
        tokio::time::sleep(st.latency).await;
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) => {
            let too_big = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            let r = if too_big {
                ado_error(
                    413,
                    "The request body is larger than the sandbox accepts (4 MiB).",
                    "VssRequestContentTooLargeException",
                )
            } else {
                ado_error(
                    400,
                    "The request body could not be read.",
                    "VssServiceException",
                )
            };
            return finish(&st, r);
        }
    };
    if let Some(resp) = host_scenario(&st, &parts.method, &parts.uri) {
        // Not Azure DevOps answering: none of its headers.
        return resp;
    }
    let resp = route(&st, &parts.method, &parts.uri, &parts.headers, &body).await;
    finish(&st, resp)
}

/// Collection name that answers like `/_redirect/tfs/DefaultCollection`.
pub(crate) const REDIRECTED_COLLECTION: &str = "RedirectedCollection";
/// Collection name that answers like `/_notado/…`.
pub(crate) const NOT_ADO_COLLECTION: &str = "NotAzureDevOps";

/// `raw` without its first `n` segments (still percent-encoded).
fn raw_tail(raw: &str, n: usize) -> &str {
    let mut rest = raw.trim_start_matches('/');
    for _ in 0..n {
        rest = rest
            .split_once('/')
            .map_or("", |(_, r)| r.trim_start_matches('/'));
    }
    rest
}

/// The host scenarios, which stand for other web servers:
/// - `/_redirect/{rest}` → `302` to `http://localhost:PORT/{rest}`;
///   `/tfs/RedirectedCollection/{rest}` → `302` to
///   `http://localhost:PORT/tfs/DefaultCollection/{rest}` (a collection URL
///   doctor accepts; it refuses paths that start with `_`).
/// - `/_notado/{rest}` and `/tfs/NotAzureDevOps/{rest}` → an IIS default page.
fn host_scenario(st: &State, method: &Method, uri: &hyper::Uri) -> Option<Resp> {
    let raw = uri.path();
    let mut segs = raw.split('/').filter(|s| !s.is_empty());
    let first = segs.next().unwrap_or("");
    let second = segs.next().unwrap_or("");
    let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
    if is(first, "_redirect") {
        Some(redirect_elsewhere(st, raw_tail(raw, 1), uri.query()))
    } else if is(first, "tfs") && is(second, REDIRECTED_COLLECTION) {
        let target = format!("tfs/DefaultCollection/{}", raw_tail(raw, 2));
        Some(redirect_elsewhere(st, &target, uri.query()))
    } else if is(first, "_notado") || (is(first, "tfs") && is(second, NOT_ADO_COLLECTION)) {
        Some(not_azure_devops(method))
    } else {
        None
    }
}

/// A front end that sends every request to another host name of the same
/// server (`302` to `http://localhost:PORT/{path}`, query kept), like a load
/// balancer redirecting to a canonical name.
fn redirect_elsewhere(st: &State, path: &str, query: Option<&str>) -> Resp {
    let scheme = if st.base.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let mut location = format!("{scheme}://localhost:{}/{path}", st.port);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        location.push('?');
        location.push_str(q);
    }
    let page = format!(
        "<html><head><title>Object moved</title></head><body><h2>Object moved to <a href=\"{}\">here</a>.</h2></body></html>\r\n",
        super::http::escape_xml(&location)
    );
    let mut r = html(302, page);
    add_header(&mut r, "Location", &location);
    add_header(&mut r, "Server", "Microsoft-IIS/10.0");
    add_header(&mut r, "X-Powered-By", "ASP.NET");
    r
}

/// `/_notado/{rest}`, `/tfs/NotAzureDevOps/{rest}`: a web server that is
/// not Azure DevOps (the default page of a fresh IIS) answering every path
/// with `200` and HTML; OPTIONS `200`, other methods `405`.
fn not_azure_devops(method: &Method) -> Resp {
    const PAGE: &str = "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\" />\r\n<title>IIS Windows Server</title>\r\n<style type=\"text/css\">\r\nbody { color:#000000; background-color:#0072C6; margin:0; }\r\n#container { margin-left:auto; margin-right:auto; text-align:center; }\r\n</style>\r\n</head>\r\n<body>\r\n<div id=\"container\">\r\n<h1>Internet Information Services</h1>\r\n<p>Welcome to the Contoso intranet. This server has no applications installed yet.</p>\r\n</div>\r\n</body>\r\n</html>\r\n";
    let mut r = if *method == Method::GET || *method == Method::HEAD {
        html(200, PAGE.to_string())
    } else if *method == Method::OPTIONS {
        let mut r = html(200, String::new());
        add_header(&mut r, "Allow", "OPTIONS, TRACE, GET, HEAD, POST");
        add_header(&mut r, "Public", "OPTIONS, TRACE, GET, HEAD, POST");
        r
    } else {
        let mut r = html(
            405,
            "<html><head><title>405 - HTTP verb used to access this page is not allowed.</title></head><body><h2>405 - HTTP verb used to access this page is not allowed.</h2></body></html>\r\n".to_string(),
        );
        add_header(&mut r, "Allow", "GET, HEAD, OPTIONS, TRACE");
        r
    };
    add_header(&mut r, "Server", "Microsoft-IIS/10.0");
    add_header(&mut r, "X-Powered-By", "ASP.NET");
    r
}

fn finish(st: &State, mut resp: Resp) -> Resp {
    let activity = random_guid();
    add_header(&mut resp, "ActivityId", &activity);
    add_header(&mut resp, "X-VSS-E2EID", &random_guid());
    add_header(&mut resp, "X-TFS-ProcessId", &st.process_id);
    add_header(&mut resp, "X-Content-Type-Options", "nosniff");
    add_header(&mut resp, "X-TFS-Session", &activity);
    resp
}

async fn route(
    st: &State,
    method: &Method,
    uri: &hyper::Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Resp {
    let raw_path = uri.path();
    let mut segs: Vec<String> = Vec::new();
    for s in raw_path.split('/').filter(|s| !s.is_empty()) {
        match percent_decode(s, false) {
            Some(d) => segs.push(d),
            None => {
                return ado_error(
                    400,
                    "The request path is not valid: it contains a malformed percent-encoded sequence.",
                    "InvalidArgumentValueException",
                );
            }
        }
    }
    let query = match parse_pairs(uri.query().unwrap_or("")) {
        Some(q) => q,
        None => {
            return ado_error(
                400,
                "The query string is not valid: it contains a malformed percent-encoded sequence.",
                "InvalidArgumentValueException",
            );
        }
    };
    let first = segs.first().map(|s| s.to_lowercase()).unwrap_or_default();
    match first.as_str() {
        "" => html(200, home_page(st)),
        "_login" => entra::handle(st, method, &segs[1..], headers, body, &query).await,
        "_imds" => imds::handle(st, method, &segs[1..], headers, &query),
        "_profile" => profile::handle(st, method, &segs[1..], headers, &query),
        "_vssps" => match segs.get(1) {
            Some(name) => match st.cat.services_org(name) {
                Some(org) => org_request(st, org, method, &segs[2..], headers, body, &query),
                None => unknown_org(name),
            },
            None => not_found(raw_path),
        },
        "_apis" => location::deployment(st, false, method, &segs[1..], &query),
        "tfs" if segs.get(1).is_some_and(|s| s.eq_ignore_ascii_case("_apis")) => {
            location::deployment(st, true, method, &segs[2..], &query)
        }
        "tfs" => match segs.get(1) {
            Some(c) => match st.cat.collection_named(c) {
                Some(org) => org_request(st, org, method, &segs[2..], headers, body, &query),
                None => unknown_org(c),
            },
            None => not_found(raw_path),
        },
        _ => match st.cat.services_org(&segs[0]) {
            Some(org) => org_request(st, org, method, &segs[1..], headers, body, &query),
            None => unknown_org(&segs[0]),
        },
    }
}

fn unknown_org(name: &str) -> Resp {
    ado_error(
        404,
        &format!(
            "The organization '{}' could not be found. Check the organization name in the URL (dev.azure.com/{{organization}}).",
            truncate(name, 100)
        ),
        "HostDoesNotExistException",
    )
}

fn home_page(st: &State) -> String {
    let mut rows = String::new();
    for o in &st.cat.orgs {
        let url = st.org_url(o);
        rows.push_str(&format!(
            "<li><a href=\"{url}\">{url}</a> — {} ({} projects)</li>",
            super::http::escape_xml(&o.primary_process),
            o.projects.len()
        ));
    }
    format!(
        "<!DOCTYPE html><html><head><title>Azure DevOps sandbox</title></head><body><h1>Azure DevOps sandbox (ado-setup demo)</h1><ul>{rows}</ul></body></html>"
    )
}

/// Where in the organization a path points.
enum Scope<'s> {
    Org(&'s [String]),
    Project(&'s str, &'s [String]),
    Team(&'s str, &'s str, &'s [String]),
    Page,
}

fn scope_of(rest: &[String]) -> Scope<'_> {
    let is_apis = |i: usize| rest.get(i).is_some_and(|s| s.eq_ignore_ascii_case("_apis"));
    if is_apis(0) {
        Scope::Org(&rest[1..])
    } else if is_apis(1) {
        Scope::Project(&rest[0], &rest[2..])
    } else if is_apis(2) {
        Scope::Team(&rest[0], &rest[1], &rest[3..])
    } else {
        Scope::Page
    }
}

fn org_request(
    st: &State,
    org: &Org,
    method: &Method,
    rest: &[String],
    headers: &HeaderMap,
    body: &Bytes,
    query: &[(String, String)],
) -> Resp {
    let scope = scope_of(rest);
    let with_tenant = |mut r: Resp| {
        if let Some(t) = &org.tenant {
            add_header(&mut r, "X-VSS-ResourceTenant", t);
        }
        r
    };

    // Resource locations need no credentials.
    if method == Method::OPTIONS {
        if let Scope::Org(tail) = &scope
            && tail.len() <= 1
        {
            let area = tail.first().map(String::as_str);
            return with_tenant(location::resource_locations(st, org, area));
        }
        return with_tenant(method_not_allowed("OPTIONS", "GET, POST"));
    }

    let caller = match auth::authenticate(st, org, headers) {
        Ok(c) => c,
        Err(r) => return with_tenant(r),
    };

    let api_tail: &[String] = match &scope {
        Scope::Page => {
            if matches!(caller, Caller::Anonymous) {
                return with_tenant(auth::anonymous_401(st, org));
            }
            let path = rest
                .iter()
                .map(|s| encode_segment(s))
                .collect::<Vec<_>>()
                .join("/");
            return with_tenant(html(
                200,
                format!(
                    "<!DOCTYPE html><html><head><title>{} - Azure DevOps sandbox</title></head><body><p>Azure DevOps sandbox: {}/{}</p></body></html>",
                    super::http::escape_xml(&org.name),
                    super::http::escape_xml(&st.org_url(org)),
                    super::http::escape_xml(&path)
                ),
            ));
        }
        Scope::Org(t) | Scope::Project(_, t) | Scope::Team(_, _, t) => t,
    };

    let anonymous_ok = org.anonymous_access
        && matches!(&scope, Scope::Org(t) if t.len() == 1 && t[0].eq_ignore_ascii_case("connectiondata"));
    if matches!(caller, Caller::Anonymous) && !anonymous_ok {
        return with_tenant(auth::anonymous_401(st, org));
    }

    // connectionData is answered without an api-version (the latest), as
    // Azure DevOps does: `WebApi.connect()` of the Node client sends none.
    let version_optional = matches!(&scope, Scope::Org(t) if t.len() == 1 && t[0].eq_ignore_ascii_case("connectiondata"));
    let ver = match version_check(org, method, query, headers, version_optional) {
        Ok(v) => v,
        Err(r) => return with_tenant(r),
    };

    // The throttled scenario: each distinct request is answered 429 once
    // (Retry-After: 1), then served — so a client that waits it out always
    // gets through, however its requests interleave.
    if caller.is_throttled() {
        let key = format!("{method} {}/{} {:?}", org.name, rest.join("/"), query);
        let first = st
            .throttled_seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key);
        if first {
            return with_tenant(auth::throttled_429());
        }
    }

    let ctx = Ctx {
        st,
        org,
        url: st.org_url(org),
        caller,
        ver: ver.raw.clone(),
        query,
        method,
        headers,
        body,
    };
    let low: Vec<String> = api_tail.iter().map(|s| s.to_lowercase()).collect();
    let l: Vec<&str> = low.iter().map(String::as_str).collect();
    let result = match &scope {
        Scope::Org(_) => org_api(&ctx, &l, api_tail),
        Scope::Project(p, _) => project_api(&ctx, p, &l, api_tail),
        Scope::Team(p, t, _) => team_api(&ctx, p, t, &l),
        Scope::Page => Err(not_found("")),
    };
    let mut resp = match result {
        Ok(r) | Err(r) => r,
    };
    if let Some(person) = ctx.caller.person().and_then(|p| st.cat.people.get(p)) {
        let who = if org.server {
            person.windows.clone()
        } else {
            person.email.clone()
        };
        add_header(
            &mut resp,
            "X-VSS-UserData",
            &format!("{}:{}", person.id, who),
        );
    }
    with_tenant(resp)
}

/// Checks `api-version` against what the deployment supports.
fn version_check(
    org: &Org,
    method: &Method,
    query: &[(String, String)],
    headers: &HeaderMap,
    optional: bool,
) -> Result<ApiVersion, Resp> {
    let accept = headers
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let latest_released = if org.server {
        org.max_api_version()
    } else {
        "7.1".to_string()
    };
    let ver = match find_api_version(query, accept) {
        Ok(Some(v)) => v,
        Ok(None) if optional => match ApiVersion::parse(&latest_released) {
            Some(v) => v,
            None => {
                return Err(ado_error(
                    500,
                    "The sandbox has no api-version to default to.",
                    "VssServiceException",
                ));
            }
        },
        Ok(None) => {
            return Err(ado_error(
                400,
                &format!(
                    "No api-version was supplied for the \"{method}\" request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\")."
                ),
                "VssVersionNotSpecifiedException",
            ));
        }
        Err(raw) => {
            return Err(ado_error(
                400,
                &format!(
                    "The api-version '{}' is not valid. Use the form 'major.minor[-preview[.n]]', for example '7.1' or '7.1-preview.1'.",
                    truncate(&raw, 50)
                ),
                "VssInvalidApiVersionException",
            ));
        }
    };
    let max = org.max_api_key();
    let latest = org.max_api_version();
    if ver.key() > max || ver.key() < 1000 {
        return Err(ado_error(
            400,
            &format!(
                "The requested REST API version of {} is out of range for this server. The latest REST API version for this server is {latest}.",
                ver.raw
            ),
            "VssVersionOutOfRangeException",
        ));
    }
    if !org.server && ver.key() == 7002 && !ver.preview {
        return Err(ado_error(
            400,
            &format!(
                "The requested version \"{}\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"{}-preview\"",
                ver.raw, ver.raw
            ),
            "VssInvalidPreviewVersionException",
        ));
    }
    Ok(ver)
}

fn is_get(m: &Method) -> bool {
    *m == Method::GET || *m == Method::HEAD
}

fn get(ctx: &Ctx, f: impl FnOnce() -> HResult) -> HResult {
    if is_get(ctx.method) {
        f()
    } else {
        Err(method_not_allowed(ctx.method.as_str(), "GET"))
    }
}

fn org_api(ctx: &Ctx, l: &[&str], orig: &[String]) -> HResult {
    match l {
        ["connectiondata"] => get(ctx, || core_api::connection_data(ctx)),
        ["resourceareas"] => get(ctx, || {
            Ok(location::resource_areas(ctx.st, ctx.org, None, &ctx.ver))
        }),
        ["resourceareas", _] => get(ctx, || {
            Ok(location::resource_areas(
                ctx.st,
                ctx.org,
                Some(&orig[1]),
                &ctx.ver,
            ))
        }),
        ["projects"] => get(ctx, || core_api::projects_list(ctx)),
        ["projects", _] => get(ctx, || core_api::project_get(ctx, &orig[1])),
        ["projects", _, "properties"] => get(ctx, || core_api::project_properties(ctx, &orig[1])),
        ["projects", _, "teams"] => get(ctx, || core_api::teams_list(ctx, &orig[1])),
        ["projects", _, "teams", _] => get(ctx, || core_api::team_get(ctx, &orig[1], &orig[3])),
        ["projects", _, "teams", _, "members"] => {
            get(ctx, || core_api::team_members(ctx, &orig[1], &orig[3]))
        }
        ["work", "processes"] => get(ctx, || core_api::processes_list(ctx)),
        ["work", "processes", _] => get(ctx, || core_api::process_get(ctx, &orig[2])),
        ["wit", "fields"] => get(ctx, || wit::fields_list(ctx, None)),
        ["wit", "fields", _] => get(ctx, || wit::field_get(ctx, None, &orig[2])),
        ["wit", "workitems", _] => get(ctx, || wit::work_item_get(ctx, &orig[2])),
        ["securitynamespaces"] => get(ctx, || core_api::security_namespaces(ctx, None)),
        ["securitynamespaces", _] => {
            get(ctx, || core_api::security_namespaces(ctx, Some(&orig[1])))
        }
        ["permissions", _, _] => get(ctx, || core_api::has_permissions(ctx, &orig[1], &orig[2])),
        ["security", "permissionevaluationbatch"] => {
            if *ctx.method == Method::POST {
                core_api::permission_batch(ctx)
            } else {
                Err(method_not_allowed(ctx.method.as_str(), "POST"))
            }
        }
        _ => Err(not_found(&format!("/_apis/{}", orig.join("/")))),
    }
}

fn project_api(ctx: &Ctx, pkey: &str, l: &[&str], orig: &[String]) -> HResult {
    let p = ctx.project(pkey)?;
    match l {
        ["wit", "workitemtypes"] => get(ctx, || wit::types_list(ctx, p)),
        ["wit", "workitemtypes", _] => get(ctx, || wit::type_get(ctx, p, &orig[2])),
        ["wit", "workitemtypes", _, "fields"] => get(ctx, || wit::type_fields(ctx, p, &orig[2])),
        ["wit", "workitemtypes", _, "fields", _] => {
            get(ctx, || wit::type_field(ctx, p, &orig[2], &orig[4]))
        }
        ["wit", "workitemtypes", _, "states"] => get(ctx, || wit::type_states(ctx, p, &orig[2])),
        ["wit", "workitemtypecategories"] => get(ctx, || wit::categories(ctx, p, None)),
        ["wit", "workitemtypecategories", _] => {
            get(ctx, || wit::categories(ctx, p, Some(&orig[2])))
        }
        ["wit", "classificationnodes"] => get(ctx, || wit::nodes_root(ctx, p)),
        ["wit", "classificationnodes", _, ..] => {
            get(ctx, || wit::nodes_get(ctx, p, &orig[2], &orig[3..]))
        }
        ["wit", "fields"] => get(ctx, || wit::fields_list(ctx, Some(p))),
        ["wit", "fields", _] => get(ctx, || wit::field_get(ctx, Some(p), &orig[2])),
        ["wit", "workitems", t] if t.starts_with('$') => {
            if *ctx.method == Method::POST || *ctx.method == Method::PATCH {
                wit::create(ctx, p, &orig[2][1..])
            } else {
                Err(method_not_allowed(ctx.method.as_str(), "POST, PATCH"))
            }
        }
        ["wit", "workitems", _] => get(ctx, || wit::work_item_get(ctx, &orig[2])),
        ["work", "teamsettings"] => get(ctx, || wit::team_settings(ctx, p, None)),
        ["work", "teamsettings", "teamfieldvalues"] => {
            get(ctx, || wit::team_field_values(ctx, p, None))
        }
        _ => Err(not_found(&format!("/{}/_apis/{}", p.name, orig.join("/")))),
    }
}

fn team_api(ctx: &Ctx, pkey: &str, tkey: &str, l: &[&str]) -> HResult {
    let p = ctx.project(pkey)?;
    let t = ctx.team(p, tkey)?;
    match l {
        ["work", "teamsettings"] => get(ctx, || wit::team_settings(ctx, p, Some(t))),
        ["work", "teamsettings", "teamfieldvalues"] => {
            get(ctx, || wit::team_field_values(ctx, p, Some(t)))
        }
        _ => Err(not_found(&format!(
            "/{}/{}/_apis/{}",
            p.name,
            t.name,
            l.join("/")
        ))),
    }
}
