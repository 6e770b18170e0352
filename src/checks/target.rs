//! `target.url`: the organization name or collection URL is valid and safe
//! (SPEC §4, §6). Local only: no request. Gives the base URL every later
//! stage addresses.

use std::time::Instant;

use url::Url;

use super::outcome::{not_pass, pass};
use super::report::{CheckOutcome, Status};
use super::subject::{Context, Subject};
use crate::ado::endpoints::Deployment;
use crate::net::target::{parse_server_url, parse_services_target};

/// `target.url`, and the base URL when it passed.
pub(super) fn target_check(subject: &Subject, ctx: &Context) -> (Option<Url>, CheckOutcome) {
    let started = Instant::now();
    match target_url(subject, ctx) {
        Ok((base, warnings)) => {
            let msg = if warnings.is_empty() {
                base.as_str().trim_end_matches('/').to_string()
            } else {
                format!(
                    "{} ({})",
                    base.as_str().trim_end_matches('/'),
                    warnings.join("; ")
                )
            };
            (Some(base), pass("target.url", msg, started))
        }
        Err(o) => (None, *o),
    }
}

/// The base URL of the subject's target, with the warnings a Server URL
/// raised; or the failing `target.url`.
fn target_url(subject: &Subject, ctx: &Context) -> Result<(Url, Vec<String>), Box<CheckOutcome>> {
    let started = Instant::now();
    let err = |code: &str, msg: String, fix: String| {
        Box::new(CheckOutcome {
            fix: vec![fix],
            ..not_pass("target.url", Status::Fail, code, msg, &[], started)
        })
    };
    match subject.deployment {
        Deployment::Services => {
            let t = parse_services_target(&subject.target, &ctx.devops_base)
                .map_err(|e| err(e.code(), e.to_string(), e.fix()))?;
            let mut base = ctx.devops_base.clone();
            if let Ok(mut segs) = base.path_segments_mut() {
                segs.pop_if_empty().push(&t.organization);
            }
            if base.scheme() == "http" && !ctx.allow_http {
                return Err(err(
                    "PROVIDER_BASE_URL_BLOCKED",
                    format!("{base} uses plain http://"),
                    "Pass --allow-http (lab and test setups only)".into(),
                ));
            }
            Ok((base, Vec::new()))
        }
        Deployment::Server => {
            let t = parse_server_url(&subject.target, ctx.allow_http)
                .map_err(|e| err(e.code(), e.to_string(), e.fix()))?;
            Ok((t.base_url, t.warnings))
        }
    }
}
