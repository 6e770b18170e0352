//! The host scenarios: answers of web servers that are not Azure DevOps,
//! without any of its headers (`ActivityId`, `X-TFS-ProcessId`, …), so a
//! client can be shown a URL that is not Azure DevOps.
//!
//! Contract:
//! - `/_redirect/{rest}` → `302 Found` to `http://localhost:PORT/{rest}`
//!   (query kept): the same server under another host name, i.e. a
//!   cross-host redirect; `/tfs/RedirectedCollection/{rest}` → `302` to
//!   `http://localhost:PORT/tfs/DefaultCollection/{rest}`.
//! - `/_notado/{rest}` and `/tfs/NotAzureDevOps/{rest}` → `200` with the
//!   default page of a fresh IIS (`Server: Microsoft-IIS/10.0`); OPTIONS
//!   `200`, other methods `405`.
//! - The `tfs/…` forms exist because ado-setup refuses a collection URL
//!   whose first path segment starts with `_`.

use hyper::Method;

use super::http::{Resp, add_header, escape_xml, html};
use super::state::State;

/// Collection name that answers like `/_redirect/tfs/DefaultCollection`.
pub const REDIRECTED_COLLECTION: &str = "RedirectedCollection";
/// Collection name that answers like `/_notado/…`.
pub const NOT_ADO_COLLECTION: &str = "NotAzureDevOps";

/// The answer of a host scenario, `None` for any other path:
/// - `/_redirect/{rest}` → `302` to `http://localhost:PORT/{rest}`;
///   `/tfs/RedirectedCollection/{rest}` → `302` to
///   `http://localhost:PORT/tfs/DefaultCollection/{rest}` (a collection URL
///   doctor accepts; it refuses paths that start with `_`).
/// - `/_notado/{rest}` and `/tfs/NotAzureDevOps/{rest}` → an IIS default page.
pub(crate) fn answer(st: &State, method: &Method, uri: &hyper::Uri) -> Option<Resp> {
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
        escape_xml(&location)
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
