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
//!   Azure DevOps headers (see `hosts`): `/_redirect/{rest}` → `302`
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
    ApiVersion, HResult, Resp, add_header, ado_error, escape_xml, find_api_version, html,
    method_not_allowed, not_found, truncate,
};
use super::state::State;
use super::util::{encode_segment, parse_pairs, percent_decode, random_guid};
use super::{core_api, entra, hosts, imds, location, profile, wit, workitems};

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
    if let Some(resp) = hosts::answer(&st, &parts.method, &parts.uri) {
        // Not Azure DevOps answering: none of its headers.
        return resp;
    }
    let resp = route(&st, &parts.method, &parts.uri, &parts.headers, &body).await;
    finish(&st, resp)
}

/// Adds the headers every Azure DevOps answer carries.
fn finish(st: &State, mut resp: Resp) -> Resp {
    let activity = random_guid();
    add_header(&mut resp, "ActivityId", &activity);
    add_header(&mut resp, "X-VSS-E2EID", &random_guid());
    add_header(&mut resp, "X-TFS-ProcessId", &st.process_id);
    add_header(&mut resp, "X-Content-Type-Options", "nosniff");
    add_header(&mut resp, "X-TFS-Session", &activity);
    resp
}

/// Sends a decoded request to the host it names (see the URL layout above).
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

/// `404` for an organization or collection the sandbox does not have.
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

/// `/`: a page listing the organizations.
fn home_page(st: &State) -> String {
    let mut rows = String::new();
    for o in &st.cat.orgs {
        let url = st.org_url(o);
        rows.push_str(&format!(
            "<li><a href=\"{url}\">{url}</a> — {} ({} projects)</li>",
            escape_xml(&o.primary_process),
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

/// The scope of an organization path: where its `_apis` segment is.
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

/// An organization (or collection) request: its answer, with the
/// organization's tenant (`X-VSS-ResourceTenant`) on every answer.
fn org_request(
    st: &State,
    org: &Org,
    method: &Method,
    rest: &[String],
    headers: &HeaderMap,
    body: &Bytes,
    query: &[(String, String)],
) -> Resp {
    let mut r = org_answer(st, org, method, rest, headers, body, query);
    if let Some(t) = &org.tenant {
        add_header(&mut r, "X-VSS-ResourceTenant", t);
    }
    r
}

/// The checks of an organization request, in Azure DevOps' order, then its
/// API: resource locations (no credentials needed) → credentials → non-API
/// page → anonymous access → `api-version` → throttling → route.
fn org_answer(
    st: &State,
    org: &Org,
    method: &Method,
    rest: &[String],
    headers: &HeaderMap,
    body: &Bytes,
    query: &[(String, String)],
) -> Resp {
    let scope = scope_of(rest);
    if method == Method::OPTIONS {
        return options(st, org, &scope);
    }
    let caller = match auth::authenticate(st, org, headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let api_tail: &[String] = match &scope {
        Scope::Page => return org_page(st, org, &caller, rest),
        Scope::Org(t) | Scope::Project(_, t) | Scope::Team(_, _, t) => t,
    };
    let connection_data = matches!(&scope, Scope::Org(t) if t.len() == 1 && t[0].eq_ignore_ascii_case("connectiondata"));
    if matches!(caller, Caller::Anonymous) && !(org.anonymous_access && connection_data) {
        return auth::anonymous_401(st, org);
    }
    // connectionData is answered without an api-version (the latest), as
    // Azure DevOps does: `WebApi.connect()` of the Node client sends none.
    let ver = match version_check(org, method, query, headers, connection_data) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if caller.is_throttled() && first_time_throttled(st, org, method, rest, query) {
        return auth::throttled_429();
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
    let mut resp = match api(&ctx, &scope, api_tail) {
        Ok(r) | Err(r) => r,
    };
    add_user_data(&ctx, &mut resp);
    resp
}

/// `OPTIONS`: the resource locations (`{org}/_apis/`, `{org}/_apis/{area}`),
/// which need no credentials; `405` for any other path.
fn options(st: &State, org: &Org, scope: &Scope) -> Resp {
    if let Scope::Org(tail) = scope
        && tail.len() <= 1
    {
        let area = tail.first().map(String::as_str);
        return location::resource_locations(st, org, area);
    }
    method_not_allowed("OPTIONS", "GET, POST")
}

/// A non-API page of the organization (the web UI): a small HTML page for
/// a signed-in caller, `401` for an anonymous one.
fn org_page(st: &State, org: &Org, caller: &Caller, rest: &[String]) -> Resp {
    if matches!(caller, Caller::Anonymous) {
        return auth::anonymous_401(st, org);
    }
    let path = rest
        .iter()
        .map(|s| encode_segment(s))
        .collect::<Vec<_>>()
        .join("/");
    html(
        200,
        format!(
            "<!DOCTYPE html><html><head><title>{} - Azure DevOps sandbox</title></head><body><p>Azure DevOps sandbox: {}/{}</p></body></html>",
            escape_xml(&org.name),
            escape_xml(&st.org_url(org)),
            escape_xml(&path)
        ),
    )
}

/// The throttled scenario: each distinct request is answered 429 once
/// (Retry-After: 1), then served — so a client that waits it out always
/// gets through, however its requests interleave. True the first time.
fn first_time_throttled(
    st: &State,
    org: &Org,
    method: &Method,
    rest: &[String],
    query: &[(String, String)],
) -> bool {
    let key = format!("{method} {}/{} {:?}", org.name, rest.join("/"), query);
    st.throttled_seen
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(key)
}

/// The API the path names, at its scope.
fn api(ctx: &Ctx, scope: &Scope, api_tail: &[String]) -> HResult {
    let low: Vec<String> = api_tail.iter().map(|s| s.to_lowercase()).collect();
    let l: Vec<&str> = low.iter().map(String::as_str).collect();
    match scope {
        Scope::Org(_) => org_api(ctx, &l, api_tail),
        Scope::Project(p, _) => project_api(ctx, p, &l, api_tail),
        Scope::Team(p, t, _) => team_api(ctx, p, t, &l),
        Scope::Page => Err(not_found("")),
    }
}

/// `X-VSS-UserData: {id}:{name}` of an identified caller (the Windows
/// account on a Server collection).
fn add_user_data(ctx: &Ctx, resp: &mut Resp) {
    if let Some(person) = ctx.caller.person().and_then(|p| ctx.st.cat.people.get(p)) {
        let who = if ctx.org.server {
            person.windows.clone()
        } else {
            person.email.clone()
        };
        add_header(resp, "X-VSS-UserData", &format!("{}:{}", person.id, who));
    }
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

/// `f` for a GET (or HEAD), else `405`.
fn get(ctx: &Ctx, f: impl FnOnce() -> HResult) -> HResult {
    if is_get(ctx.method) {
        f()
    } else {
        Err(method_not_allowed(ctx.method.as_str(), "GET"))
    }
}

/// The organization-level APIs (`{org}/_apis/…`); `l` is `orig` in lower case.
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
        ["wit", "workitems", _] => get(ctx, || workitems::work_item_get(ctx, &orig[2])),
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

/// The project-level APIs (`{org}/{project}/_apis/…`).
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
                workitems::create(ctx, p, &orig[2][1..])
            } else {
                Err(method_not_allowed(ctx.method.as_str(), "POST, PATCH"))
            }
        }
        ["wit", "workitems", _] => get(ctx, || workitems::work_item_get(ctx, &orig[2])),
        ["work", "teamsettings"] => get(ctx, || wit::team_settings(ctx, p, None)),
        ["work", "teamsettings", "teamfieldvalues"] => {
            get(ctx, || wit::team_field_values(ctx, p, None))
        }
        _ => Err(not_found(&format!("/{}/_apis/{}", p.name, orig.join("/")))),
    }
}

/// The team-level APIs (`{org}/{project}/{team}/_apis/…`).
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
