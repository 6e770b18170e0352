//! What the user typed as a target (SPEC §2 step 2, §6 URL safety), parsed
//! without any I/O.
//!
//! * Services: an organization name (`contoso`) or any pasted Azure DevOps
//!   URL (`https://dev.azure.com/{org}/...`, `https://{org}.visualstudio.com/...`,
//!   project, repository, wiki, board and work item URLs, clone URLs, URLs on
//!   an overridden `ADO_SETUP_DEVOPS_URL`) → [`ServicesTarget`].
//! * Server: a collection URL, or a pasted project/repository URL from which
//!   the collection and the project are taken → [`ServerTarget`].
//!
//! Every refusal is a [`TargetError`] (code `PROVIDER_BASE_URL_BLOCKED`) with
//! a one-line message and a fix that shows valid input. Messages never echo a
//! password or the raw text of a URL that could not be parsed.

use url::{Host, Url};

/// Longest organization name Azure DevOps Services accepts (SPEC §1).
pub const MAX_ORG_NAME_LEN: usize = 50;

/// Example Server collection URL used in messages and fixes.
const SERVER_EXAMPLE: &str = "https://tfs.contoso.com/tfs/DefaultCollection";

/// Example Services URL used in messages and fixes.
const SERVICES_EXAMPLE: &str = "https://dev.azure.com/contoso/Fabrikam";

/// A Services target: the organization, and the project when the pasted URL
/// named one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicesTarget {
    /// Organization name (the part after `dev.azure.com/`), as typed.
    pub organization: String,
    /// Project name, percent-decoded, when the input named one.
    pub project: Option<String>,
}

/// A Server target: the collection URL, the project when the pasted URL
/// named one, and what the user should see before going on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// The collection URL: `https` (or `http` when allowed), no user info, no
    /// query or fragment, no trailing slash, host in ASCII (punycode) form.
    pub base_url: Url,
    /// Project name, percent-decoded, when the input named one.
    pub project: Option<String>,
    /// Things the input had that were accepted but deserve attention (plain
    /// HTTP, a stripped query string, an international host name, a loopback
    /// host, an assumed `https://`).
    pub warnings: Vec<String>,
}

/// Which kind of target an empty input was meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// Azure DevOps Services (organization name or URL).
    Services,
    /// Azure DevOps Server (collection URL).
    Server,
}

/// Why an organization name is not valid (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgNameProblem {
    /// Nothing was given.
    Empty,
    /// The first character is not an ASCII letter or digit.
    BadStart(char),
    /// A character other than ASCII letters, digits and hyphens (1-based position).
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its 1-based position in the name.
        position: usize,
    },
    /// The name ends with a hyphen.
    TrailingHyphen,
    /// More than [`MAX_ORG_NAME_LEN`] characters.
    TooLong(usize),
}

impl std::fmt::Display for OrgNameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrgNameProblem::Empty => write!(f, "it is empty"),
            OrgNameProblem::BadStart(c) => {
                write!(f, "it must start with a letter or digit, not {c:?}")
            }
            OrgNameProblem::InvalidChar { ch, position } => write!(
                f,
                "{ch:?} at position {position} is not allowed (letters, digits and hyphens only)"
            ),
            OrgNameProblem::TrailingHyphen => write!(f, "it must not end with a hyphen"),
            OrgNameProblem::TooLong(len) => write!(
                f,
                "it has {len} characters; at most {MAX_ORG_NAME_LEN} are allowed"
            ),
        }
    }
}

/// A target that cannot be used. Every variant has the code
/// `PROVIDER_BASE_URL_BLOCKED` (check `target.url`), a one-line message and a
/// [`fix`](TargetError::fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Nothing was entered.
    #[error("nothing entered: {}", match kind {
        TargetKind::Services => "type an organization name or paste an Azure DevOps URL",
        TargetKind::Server => "paste the collection URL of your Azure DevOps Server",
    })]
    Empty {
        /// What was expected.
        kind: TargetKind,
    },
    /// The organization name breaks the naming rules.
    #[error("organization name {name:?} is not valid: {problem}")]
    InvalidOrgName {
        /// The name as found in the input.
        name: String,
        /// The first rule it breaks.
        problem: OrgNameProblem,
    },
    /// An e-mail address (sign-in name) instead of an organization.
    #[error("this looks like a sign-in address, not an organization name")]
    EmailAddress,
    /// A path such as `contoso/Project` without a host.
    #[error("neither an organization name nor a full URL (a path needs its host)")]
    PathWithoutHost,
    /// The input could not be parsed as a URL. The input is not echoed (it may
    /// hold a password).
    #[error("not a valid URL: {reason}")]
    NotAUrl {
        /// What the URL parser objected to.
        reason: String,
    },
    /// A scheme other than `https` (or `http`).
    #[error("{scheme}:// URLs are not supported; expected https://")]
    UnsupportedScheme {
        /// The scheme found, lower case.
        scheme: String,
    },
    /// `http://` without `--allow-http`.
    #[error("plain http:// is refused: credentials would travel unencrypted; expected https://")]
    PlainHttp,
    /// A user name and/or password inside the URL.
    #[error("the URL contains a user name or password; credentials never belong in a URL")]
    UserInfo,
    /// A host that is not Azure DevOps Services.
    #[error("{host} is not an Azure DevOps Services address; expected {expected}{}",
        if *server_hint { " (for your own server, choose Azure DevOps Server)" } else { "" })]
    UnexpectedHost {
        /// The host (and port when given) of the input.
        host: String,
        /// The accepted forms.
        expected: String,
        /// The URL looks like an Azure DevOps Server URL.
        server_hint: bool,
    },
    /// A Services URL without the organization.
    #[error("the URL names no organization; expected {example}")]
    MissingOrganization {
        /// The expected form on the host that was used.
        example: String,
    },
    /// The project segment of the URL cannot be a project name.
    #[error("the project in the URL is not valid: {reason}")]
    InvalidProject {
        /// Why.
        reason: String,
    },
    /// A Services URL given where a Server collection URL was expected.
    #[error(
        "{host} is Azure DevOps Services; choose Services (this step expects a Server collection URL)"
    )]
    ServicesUrl {
        /// The Services host.
        host: String,
    },
    /// The collection segment of the URL cannot be a collection name.
    #[error("the collection in the URL is not valid: {reason}")]
    InvalidCollection {
        /// Why.
        reason: String,
    },
    /// A server URL without a collection (a bare host, or only `/tfs`).
    #[error("the URL has no collection; add the collection, e.g. {example}")]
    MissingCollection {
        /// The URL with a collection added.
        example: String,
    },
    /// A collection segment appears twice (`/tfs/DefaultCollection/DefaultCollection`).
    #[error("the path repeats {segment:?}; use {fixed}")]
    DoubledCollection {
        /// The repeated segment, percent-decoded.
        segment: String,
        /// The collection URL without the repetition.
        fixed: String,
    },
}

impl TargetError {
    /// Stable code of the `target.url` check (SPEC §4).
    pub fn code(&self) -> &'static str {
        "PROVIDER_BASE_URL_BLOCKED"
    }

    /// What to enter instead, with a concrete example of valid input.
    pub fn fix(&self) -> String {
        match self {
            TargetError::Empty {
                kind: TargetKind::Services,
            } => format!(
                "Type the organization name, e.g. contoso, or paste a URL such as {SERVICES_EXAMPLE}"
            ),
            TargetError::Empty {
                kind: TargetKind::Server,
            } => format!("Paste the collection URL, e.g. {SERVER_EXAMPLE}"),
            TargetError::InvalidOrgName { .. } => format!(
                "Use the name after dev.azure.com/ in the browser's address bar: letters, digits \
                 and hyphens, starting with a letter or digit, not ending with a hyphen, at most \
                 {MAX_ORG_NAME_LEN} characters (e.g. contoso or contoso-dev)"
            ),
            TargetError::EmailAddress => format!(
                "Enter the organization (the name after dev.azure.com/), e.g. contoso; you sign \
                 in on the next step. Or paste a URL such as {SERVICES_EXAMPLE}"
            ),
            TargetError::PathWithoutHost => format!(
                "Enter only the organization name, e.g. contoso, or the full URL, e.g. {SERVICES_EXAMPLE}"
            ),
            TargetError::NotAUrl { .. } => format!(
                "Copy the address from the browser, e.g. {SERVICES_EXAMPLE} (Services) or \
                 {SERVER_EXAMPLE} (Server)"
            ),
            TargetError::UnsupportedScheme { .. } => format!(
                "Use the https:// address shown in the browser, e.g. {SERVICES_EXAMPLE} or {SERVER_EXAMPLE}"
            ),
            TargetError::PlainHttp => format!(
                "Use https://, e.g. {SERVER_EXAMPLE}; only for a lab server without TLS, run again with --allow-http"
            ),
            TargetError::UserInfo => format!(
                "Remove the user name and password (the part before @), e.g. {SERVER_EXAMPLE} or \
                 {SERVICES_EXAMPLE}; the token is entered on the sign-in step"
            ),
            TargetError::UnexpectedHost {
                server_hint: true, ..
            } => format!(
                "Go back and choose Azure DevOps Server, then paste the collection URL, e.g. {SERVER_EXAMPLE}"
            ),
            TargetError::UnexpectedHost { .. } => format!(
                "Enter the organization name, e.g. contoso, or a URL such as {SERVICES_EXAMPLE} \
                 or https://contoso.visualstudio.com/Fabrikam"
            ),
            TargetError::MissingOrganization { example } => {
                format!("Add the organization to the URL, e.g. {example}, or type just its name")
            }
            TargetError::InvalidProject { .. } => format!(
                "Paste the project's URL from the browser, e.g. {SERVICES_EXAMPLE}, or leave the \
                 project out and pick it from the list later"
            ),
            TargetError::ServicesUrl { .. } => {
                "Go back and choose Azure DevOps Services, then enter the organization, e.g. \
                 contoso or https://dev.azure.com/contoso"
                    .to_string()
            }
            TargetError::InvalidCollection { .. } => format!(
                "Copy the collection URL from the browser (or from the Azure DevOps Server \
                 Administration Console), e.g. {SERVER_EXAMPLE}"
            ),
            TargetError::MissingCollection { example } => {
                format!("Add the collection to the URL, e.g. {example}")
            }
            TargetError::DoubledCollection { fixed, .. } => format!("Use {fixed}"),
        }
    }
}

/// Checks an organization name against SPEC §1: starts with a letter or
/// digit; letters, digits and hyphens; no trailing hyphen; at most 50
/// characters. Letters and digits are ASCII only.
pub fn validate_org_name(name: &str) -> Result<(), TargetError> {
    let fail = |problem| {
        Err(TargetError::InvalidOrgName {
            name: name.to_string(),
            problem,
        })
    };
    let Some(first) = name.chars().next() else {
        return fail(OrgNameProblem::Empty);
    };
    if !first.is_ascii_alphanumeric() {
        return fail(OrgNameProblem::BadStart(first));
    }
    if let Some((i, ch)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return fail(OrgNameProblem::InvalidChar {
            ch,
            position: i + 1,
        });
    }
    if name.ends_with('-') {
        return fail(OrgNameProblem::TrailingHyphen);
    }
    // All ASCII here, so bytes are characters.
    if name.len() > MAX_ORG_NAME_LEN {
        return fail(OrgNameProblem::TooLong(name.len()));
    }
    Ok(())
}

/// Parses what the user typed on the Services target step: an organization
/// name or a pasted Azure DevOps URL (see the module docs). `devops_base` is
/// the configured `ADO_SETUP_DEVOPS_URL`; URLs on its host are accepted in
/// addition to `dev.azure.com` and `*.visualstudio.com`.
///
/// Query strings and fragments are ignored. A user name without a password
/// (`https://contoso@dev.azure.com/contoso/P/_git/r`, what the Clone dialog
/// shows) is ignored; a password is refused.
pub fn parse_services_target(
    input: &str,
    devops_base: &Url,
) -> Result<ServicesTarget, TargetError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(TargetError::Empty {
            kind: TargetKind::Services,
        });
    }
    if let Some(target) = parse_ssh_remote(input)? {
        return Ok(target);
    }
    check_url_shape(input)?;
    let has_scheme = has_scheme(input);
    if let Some(target) = services_without_url(input, has_scheme, devops_base)? {
        return Ok(target);
    }
    let url = services_url(input, has_scheme, devops_base)?;
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
        return Err(TargetError::NotAUrl {
            reason: "no host".into(),
        });
    };
    let segments = path_segments(&url);

    if let Some(prefix_len) = base_match(&url, devops_base, has_scheme) {
        let example = format!("{}/contoso", devops_base.as_str().trim_end_matches('/'));
        return org_and_project(&segments[prefix_len..], &example);
    }
    if host == "dev.azure.com" {
        return org_and_project(&segments, "https://dev.azure.com/contoso");
    }
    if let Some(label) = host.strip_suffix(".visualstudio.com")
        && !label.contains('.')
        && !label.is_empty()
    {
        return visualstudio_target(label, &segments);
    }
    Err(unexpected_host(&url, &host, &segments, devops_base))
}

/// What is no URL on the Services step: an organization name (the target),
/// an e-mail address or a path without a host (refused); `None` for what
/// may be a URL.
fn services_without_url(
    input: &str,
    has_scheme: bool,
    devops_base: &Url,
) -> Result<Option<ServicesTarget>, TargetError> {
    if !has_scheme && !input.contains(['/', ':', '.']) {
        if input.contains('@') {
            return Err(TargetError::EmailAddress);
        }
        validate_org_name(input)?;
        return Ok(Some(ServicesTarget {
            organization: input.to_string(),
            project: None,
        }));
    }
    if !has_scheme && input.contains('@') && !input.contains(['/', ':']) {
        return Err(TargetError::EmailAddress);
    }
    if !has_scheme && !input.contains(['.', ':']) {
        // `contoso/Project`: only a host can come before the first slash.
        let first = input.split('/').next().unwrap_or_default();
        let base_host = devops_base.host_str().unwrap_or_default();
        if !first.eq_ignore_ascii_case(base_host) {
            return Err(TargetError::PathWithoutHost);
        }
    }
    Ok(None)
}

/// The URL a Services input stands for, its scheme allowed and without a
/// password.
fn services_url(input: &str, has_scheme: bool, devops_base: &Url) -> Result<Url, TargetError> {
    // Without a scheme, the configured base's scheme is tried first (so
    // `127.0.0.1:8080/contoso` works against an `http://` test base), then https.
    let url = if has_scheme {
        parse_url(input)?
    } else if devops_base.scheme() != "https"
        && let Ok(url) = Url::parse(&format!("{}://{input}", devops_base.scheme()))
        && base_match(&url, devops_base, false).is_some()
    {
        url
    } else {
        parse_url(&format!("https://{input}"))?
    };
    check_scheme(&url, true)?;
    if url.password().is_some() {
        return Err(TargetError::UserInfo);
    }
    Ok(url)
}

/// `https://{label}.visualstudio.com/[DefaultCollection/][project/...]`.
fn visualstudio_target(label: &str, segments: &[String]) -> Result<ServicesTarget, TargetError> {
    let label = if label.starts_with("xn--") {
        url::quirks::domain_to_unicode(label)
    } else {
        label.to_string()
    };
    validate_org_name(&label)?;
    let rest = match segments.first() {
        Some(first) if decode_eq(first, "DefaultCollection") => &segments[1..],
        _ => segments,
    };
    Ok(ServicesTarget {
        organization: label,
        project: project_segment(rest.first())?,
    })
}

/// The refusal of a URL on no Services host, naming the hosts expected.
fn unexpected_host(url: &Url, host: &str, segments: &[String], devops_base: &Url) -> TargetError {
    let host_port = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let mut expected = "dev.azure.com/{org} or {org}.visualstudio.com".to_string();
    let default_base = devops_base.host_str() == Some("dev.azure.com");
    if !default_base {
        expected = format!(
            "dev.azure.com/{{org}}, {{org}}.visualstudio.com or {}/{{org}}",
            display_base(devops_base)
        );
    }
    TargetError::UnexpectedHost {
        server_hint: looks_like_server(host, segments),
        host: host_port,
        expected,
    }
}

/// Parses a Server collection URL, or a pasted project/repository URL from
/// which the collection and project are taken (SPEC §6):
///
/// * absolute `https://` (`http://` only with `allow_http`, with a warning);
///   without any scheme `https://` is assumed, with a warning;
/// * no user info; Services hosts refused ("choose Services");
/// * query and fragment are stripped, with a warning (they are page state of
///   a pasted browser URL; their content is not echoed);
/// * the collection is `/tfs/{collection}` when the path starts with `/tfs/`,
///   `/{vdir}/DefaultCollection` when the second segment is
///   `DefaultCollection`, otherwise the first segment; the next segment not
///   starting with `_` is the project;
/// * a doubled collection segment is refused with the corrected URL;
/// * an international host name is converted to punycode, both forms shown in
///   a warning; a loopback host gets a warning (only this machine reaches it).
pub fn parse_server_url(input: &str, allow_http: bool) -> Result<ServerTarget, TargetError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(TargetError::Empty {
            kind: TargetKind::Server,
        });
    }
    check_url_shape(input)?;
    let mut warnings = Vec::new();
    let url = if has_scheme(input) {
        parse_url(input)?
    } else {
        let url = parse_url(&format!("https://{input}"))?;
        warnings.push("no scheme given: https:// assumed".to_string());
        url
    };
    check_scheme(&url, allow_http)?;
    if url.password().is_some() || !url.username().is_empty() {
        return Err(TargetError::UserInfo);
    }
    let Some(host) = url.host() else {
        return Err(TargetError::NotAUrl {
            reason: "no host".into(),
        });
    };
    let host_str = host.to_string();
    if is_services_host(&host_str) {
        return Err(TargetError::ServicesUrl { host: host_str });
    }
    warnings.extend(server_url_warnings(&url, &host));

    let origin = match url.port() {
        Some(port) => format!("{}://{host_str}:{port}", url.scheme()),
        None => format!("{}://{host_str}", url.scheme()),
    };
    let (base_url, project) = collection_and_project(&origin, &path_segments(&url))?;
    Ok(ServerTarget {
        base_url,
        project,
        warnings,
    })
}

/// What a usable Server URL still warns of: plain HTTP, a dropped query or
/// fragment, an international host name, a loopback host.
fn server_url_warnings(url: &Url, host: &Host<&str>) -> Vec<String> {
    let host_str = host.to_string();
    let mut warnings = Vec::new();
    if url.scheme() == "http" {
        warnings.push("plain HTTP: credentials travel unencrypted".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        warnings.push(
            "the query string and fragment were removed (a collection URL has none)".to_string(),
        );
    }
    if let Host::Domain(domain) = host
        && domain.split('.').any(|label| label.starts_with("xn--"))
    {
        let unicode = url::quirks::domain_to_unicode(domain);
        if !unicode.is_empty() && unicode != *domain {
            warnings.push(format!(
                "international host name: {unicode} is used as {domain}"
            ));
        }
    }
    if is_loopback(host) {
        warnings.push(format!(
            "{host_str} is a loopback address: only this machine can reach it"
        ));
    }
    warnings
}

/// The collection URL (`origin` and the collection's path segments) and the
/// project of a Server URL's path `segs` (see [`parse_server_url`]).
fn collection_and_project(
    origin: &str,
    segs: &[String],
) -> Result<(Url, Option<String>), TargetError> {
    let starts_tfs = segs.first().is_some_and(|s| decode_eq(s, "tfs"));
    let missing = |tfs: bool| TargetError::MissingCollection {
        example: if tfs {
            format!("{origin}/tfs/DefaultCollection")
        } else {
            format!("{origin}/DefaultCollection")
        },
    };
    let Some(first) = segs.first() else {
        return Err(missing(false));
    };
    if first.starts_with('_') {
        return Err(missing(false));
    }
    if starts_tfs && segs.get(1).is_some_and(|s| decode_eq(s, "tfs")) {
        let collection = segs
            .get(2)
            .filter(|s| !s.starts_with('_'))
            .map_or("DefaultCollection", String::as_str);
        return Err(doubled(origin, "tfs", &[first.as_str(), collection]));
    }
    let collection_len = if starts_tfs
        || (segs
            .get(1)
            .is_some_and(|s| decode_eq(s, "DefaultCollection"))
            && !decode_eq(first, "DefaultCollection"))
    {
        2
    } else {
        1
    };
    let Some(last) = segs.get(collection_len - 1) else {
        return Err(missing(starts_tfs));
    };
    if last.starts_with('_') {
        return Err(missing(starts_tfs));
    }
    if let Some(next) = segs.get(collection_len)
        && decode_eq(next, &percent_decode_lossy(last))
    {
        let collection: Vec<&str> = segs[..collection_len].iter().map(String::as_str).collect();
        return Err(doubled(origin, &percent_decode_lossy(last), &collection));
    }
    for seg in &segs[..collection_len] {
        decoded_name(seg).map_err(|reason| TargetError::InvalidCollection { reason })?;
    }
    let project = project_segment(segs.get(collection_len))?;
    let base = format!("{origin}/{}", segs[..collection_len].join("/"));
    Ok((parse_url(&base)?, project))
}

/// The error for a doubled segment, with the collection URL without it.
fn doubled(origin: &str, segment: &str, collection: &[&str]) -> TargetError {
    let mut fixed = origin.to_string();
    for seg in collection {
        fixed.push('/');
        fixed.push_str(seg);
    }
    TargetError::DoubledCollection {
        segment: segment.to_string(),
        fixed,
    }
}

/// Organization and project from path segments that start with the
/// organization (dev.azure.com or the configured base).
fn org_and_project(segments: &[String], example: &str) -> Result<ServicesTarget, TargetError> {
    let Some(org) = segments.first().filter(|s| !s.starts_with('_')) else {
        return Err(TargetError::MissingOrganization {
            example: example.to_string(),
        });
    };
    let org = percent_decode(org).map_err(|_| TargetError::InvalidOrgName {
        name: percent_decode_lossy(org),
        problem: OrgNameProblem::InvalidChar {
            ch: char::REPLACEMENT_CHARACTER,
            position: 1,
        },
    })?;
    validate_org_name(&org)?;
    Ok(ServicesTarget {
        organization: org,
        project: project_segment(segments.get(1))?,
    })
}

/// The project named by a path segment: none when absent or starting with `_`
/// (`_git`, `_apis`, `_wiki`, ...), else the percent-decoded name.
fn project_segment(segment: Option<&String>) -> Result<Option<String>, TargetError> {
    let Some(segment) = segment.filter(|s| !s.starts_with('_')) else {
        return Ok(None);
    };
    let name = decoded_name(segment).map_err(|reason| TargetError::InvalidProject { reason })?;
    if name.starts_with('_') {
        // An encoded `_` route (`%5Fgit`): not a project either.
        return Ok(None);
    }
    Ok(Some(name))
}

/// A percent-decoded collection or project name from a path segment, or why
/// it cannot be one: not UTF-8, blank, a control character, or a character
/// Azure DevOps never allows in these names (`\ / : * ? " < > |`).
fn decoded_name(segment: &str) -> Result<String, String> {
    let name = percent_decode(segment)
        .map_err(|_| "it is not valid UTF-8 after percent-decoding".to_string())?;
    if name.trim().is_empty() {
        return Err("it is blank".into());
    }
    if name.trim() != name {
        return Err("it starts or ends with a space".into());
    }
    if let Some(c) = name.chars().find(|c| {
        c.is_control() || matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
    }) {
        return Err(format!("it contains {c:?}"));
    }
    Ok(name)
}

/// Refuses text with `://` that is not `scheme://`, and text starting with a
/// path (no host).
fn check_url_shape(input: &str) -> Result<(), TargetError> {
    if input.contains("://") && !has_scheme(input) {
        return Err(TargetError::NotAUrl {
            reason: "the text before :// is not a scheme such as https".into(),
        });
    }
    if input.starts_with('/') {
        return Err(TargetError::NotAUrl {
            reason: "it starts with a path; the host is missing".into(),
        });
    }
    Ok(())
}

/// `git@ssh.dev.azure.com:v3/{org}/{project}/{repo}`,
/// `{org}@vs-ssh.visualstudio.com:v3/...` and their `ssh://` forms. `None`
/// when the input is not an SSH remote of Azure DevOps Services.
fn parse_ssh_remote(input: &str) -> Result<Option<ServicesTarget>, TargetError> {
    const SSH_HOSTS: [&str; 2] = ["ssh.dev.azure.com", "vs-ssh.visualstudio.com"];
    let url_text = if input
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("ssh://"))
    {
        input.to_string()
    } else if !input.contains("://")
        && let Some((user_host, path)) = input.split_once(':')
        && let Some((_, host)) = user_host.rsplit_once('@')
        && SSH_HOSTS.iter().any(|h| host.eq_ignore_ascii_case(h))
    {
        format!("ssh://{user_host}/{path}")
    } else {
        return Ok(None);
    };
    let url = parse_url(&url_text)?;
    if url.password().is_some() {
        return Err(TargetError::UserInfo);
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if !SSH_HOSTS.contains(&host.as_str()) {
        return Err(TargetError::UnsupportedScheme {
            scheme: "ssh".into(),
        });
    }
    let segments = path_segments(&url);
    match segments.first() {
        Some(v) if v.eq_ignore_ascii_case("v3") => {}
        _ => {
            return Err(TargetError::MissingOrganization {
                example: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/repo".into(),
            });
        }
    }
    org_and_project(
        &segments[1..],
        "git@ssh.dev.azure.com:v3/contoso/Fabrikam/repo",
    )
    .map(Some)
}

/// Whether the input starts with `scheme://`.
fn has_scheme(input: &str) -> bool {
    let Some((scheme, _)) = input.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `Url::parse`, with the parser's reason only (never the input).
fn parse_url(text: &str) -> Result<Url, TargetError> {
    Url::parse(text).map_err(|e| TargetError::NotAUrl {
        reason: e.to_string(),
    })
}

/// `https` always; `http` when allowed; anything else refused.
fn check_scheme(url: &Url, allow_http: bool) -> Result<(), TargetError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http => Ok(()),
        "http" => Err(TargetError::PlainHttp),
        other => Err(TargetError::UnsupportedScheme {
            scheme: other.to_string(),
        }),
    }
}

/// Non-empty path segments, still percent-encoded.
fn path_segments(url: &Url) -> Vec<String> {
    url.path_segments()
        .map(|segs| segs.filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

/// When `url` is on the configured base (host, port and path prefix), the
/// number of path segments the base's path takes. `scheme_given`: whether
/// the user typed a scheme; if not, a missing port means the base's port.
fn base_match(url: &Url, base: &Url, scheme_given: bool) -> Option<usize> {
    let (host, base_host) = (url.host_str()?, base.host_str()?);
    if !host.eq_ignore_ascii_case(base_host) {
        return None;
    }
    let port = if scheme_given {
        url.port_or_known_default()
    } else {
        url.port().or(base.port_or_known_default())
    };
    if port != base.port_or_known_default() {
        return None;
    }
    let prefix = path_segments(base);
    let segments = path_segments(url);
    if segments.len() < prefix.len()
        || !prefix
            .iter()
            .zip(&segments)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
    {
        return None;
    }
    Some(prefix.len())
}

/// The base as shown in messages: host, port when explicit, path.
fn display_base(base: &Url) -> String {
    let host = base.host_str().unwrap_or_default();
    let mut out = match base.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    for seg in path_segments(base) {
        out.push('/');
        out.push_str(&seg);
    }
    out
}

/// dev.azure.com, its subdomains, and visualstudio.com hosts.
fn is_services_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "dev.azure.com"
        || host.ends_with(".dev.azure.com")
        || host == "visualstudio.com"
        || host.ends_with(".visualstudio.com")
}

/// A URL that looks like Azure DevOps Server rather than a random site: a
/// `/tfs/` path, a `DefaultCollection` segment, an Azure DevOps `_` route, or
/// a host named like a server.
fn looks_like_server(host: &str, segments: &[String]) -> bool {
    let microsoft = [
        "azure.com",
        "visualstudio.com",
        "microsoft.com",
        "microsoftonline.com",
    ]
    .iter()
    .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    if microsoft {
        return false;
    }
    let first_label = host.split('.').next().unwrap_or_default();
    segments.first().is_some_and(|s| decode_eq(s, "tfs"))
        || segments
            .iter()
            .any(|s| decode_eq(s, "DefaultCollection") || s.starts_with('_'))
        || ["tfs", "ado", "devops", "azuredevops", "azure-devops"].contains(&first_label)
}

/// Loopback hosts: `localhost`, `*.localhost`, 127/8, `::1`.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => *d == "localhost" || d.ends_with(".localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Case-insensitive comparison of a percent-encoded segment with a plain name.
fn decode_eq(segment: &str, name: &str) -> bool {
    percent_decode_lossy(segment).to_lowercase() == name.to_lowercase()
}

/// Percent-decodes a path segment; an error when the bytes are not UTF-8.
fn percent_decode(segment: &str) -> Result<String, std::string::FromUtf8Error> {
    String::from_utf8(percent_decode_bytes(segment))
}

/// Percent-decodes a path segment, replacing invalid UTF-8.
fn percent_decode_lossy(segment: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(segment)).into_owned()
}

fn percent_decode_bytes(segment: &str) -> Vec<u8> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex_value(*b)),
                bytes.get(i + 2).and_then(|b| hex_value(*b)),
            )
        {
            out.push((h << 4) | l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode_lossy("My%20Project"), "My Project");
        assert_eq!(percent_decode_lossy("100%"), "100%");
        assert_eq!(percent_decode_lossy("%zz%4"), "%zz%4");
        assert_eq!(percent_decode_lossy("%C3%A9t%C3%A9"), "été");
        assert!(percent_decode("%FF").is_err());
    }

    #[test]
    fn scheme_detection() {
        assert!(has_scheme("https://x"));
        assert!(has_scheme("git+ssh://x"));
        assert!(!has_scheme("localhost:8080/x"));
        assert!(!has_scheme("user:pw@host/x"));
        assert!(!has_scheme("dev.azure.com/x://y"));
        assert!(!has_scheme("a/b://c"));
    }

    #[test]
    fn every_error_has_code_and_one_line_message_and_fix() {
        let errors = [
            TargetError::Empty {
                kind: TargetKind::Services,
            },
            TargetError::Empty {
                kind: TargetKind::Server,
            },
            TargetError::PlainHttp,
            TargetError::UserInfo,
            TargetError::EmailAddress,
            TargetError::PathWithoutHost,
        ];
        for e in errors {
            assert_eq!(e.code(), "PROVIDER_BASE_URL_BLOCKED");
            assert!(!e.to_string().contains('\n'));
            assert!(e.fix().contains("https://") || e.fix().contains("contoso"));
        }
    }
}
