#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Table tests of the target parsers (SPEC §2 step 2, §6) plus a
//! deterministic property-style test over generated input.

use ado_setup::net::target::{
    OrgNameProblem, ServerTarget, ServicesTarget, TargetError, TargetKind, parse_server_url,
    parse_services_target, validate_org_name,
};
use url::Url;

fn cloud() -> Url {
    Url::parse("https://dev.azure.com").unwrap()
}

fn svc(org: &str, project: Option<&str>) -> Result<ServicesTarget, TargetError> {
    Ok(ServicesTarget {
        organization: org.to_string(),
        project: project.map(str::to_string),
    })
}

fn srv(base: &str, project: Option<&str>, warnings: &[&str]) -> Result<ServerTarget, TargetError> {
    Ok(ServerTarget {
        base_url: Url::parse(base).unwrap(),
        project: project.map(str::to_string),
        warnings: warnings.iter().map(|w| w.to_string()).collect(),
    })
}

fn bad_org(name: &str, problem: OrgNameProblem) -> TargetError {
    TargetError::InvalidOrgName {
        name: name.to_string(),
        problem,
    }
}

fn unexpected(host: &str, server_hint: bool) -> TargetError {
    TargetError::UnexpectedHost {
        host: host.to_string(),
        expected: "dev.azure.com/{org} or {org}.visualstudio.com".to_string(),
        server_hint,
    }
}

#[test]
fn services_table() {
    let org50 = "a".repeat(50);
    let org51 = "a".repeat(51);
    let fab = Some("Fabrikam");
    let table: Vec<(&str, Result<ServicesTarget, TargetError>)> = vec![
        // Bare names.
        ("contoso", svc("contoso", None)),
        ("  contoso\t", svc("contoso", None)),
        ("Contoso-Dev2", svc("Contoso-Dev2", None)),
        ("7eleven", svc("7eleven", None)),
        (&org50, svc(&org50, None)),
        // dev.azure.com URLs.
        ("https://dev.azure.com/contoso", svc("contoso", None)),
        ("https://dev.azure.com/contoso/", svc("contoso", None)),
        (
            "https://dev.azure.com/contoso/Fabrikam",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/Fabrikam/",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/Fabrikam/_git/web-app",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/Fabrikam/_wiki/wikis/Fabrikam.wiki/1/Home",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/Fabrikam/_boards/board/t/Fabrikam%20Team/Issues",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/Fabrikam/_workitems/edit/123",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/Fabrikam/_backlogs/backlog/Fabrikam%20Team/Epics",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/_settings/organizationPolicy",
            svc("contoso", None),
        ),
        (
            "https://dev.azure.com/contoso/My%20Project/_git/repo?path=/README.md&version=GBmain#L10",
            svc("contoso", Some("My Project")),
        ),
        (
            "https://dev.azure.com/contoso/Fabrikam?view=mine#top",
            svc("contoso", fab),
        ),
        (
            "https://dev.azure.com/contoso/Caf%C3%A9%20Ops",
            svc("contoso", Some("Café Ops")),
        ),
        ("dev.azure.com/contoso/Proj", svc("contoso", Some("Proj"))),
        ("DEV.AZURE.COM/contoso", svc("contoso", None)),
        ("http://dev.azure.com/contoso", svc("contoso", None)),
        // Clone URLs.
        (
            "https://contoso@dev.azure.com/contoso/Fabrikam/_git/repo",
            svc("contoso", fab),
        ),
        (
            "git@ssh.dev.azure.com:v3/contoso/Fabrikam/repo",
            svc("contoso", fab),
        ),
        (
            "ssh://contoso@vs-ssh.visualstudio.com:22/v3/contoso/My%20Project/repo",
            svc("contoso", Some("My Project")),
        ),
        // visualstudio.com URLs.
        ("https://contoso.visualstudio.com", svc("contoso", None)),
        ("https://contoso.visualstudio.com/", svc("contoso", None)),
        (
            "https://contoso.visualstudio.com/DefaultCollection/Fabrikam/_git/repo",
            svc("contoso", fab),
        ),
        (
            "https://contoso.visualstudio.com/Fabrikam",
            svc("contoso", fab),
        ),
        (
            "contoso.visualstudio.com/Fabrikam/_workitems",
            svc("contoso", fab),
        ),
        (
            "https://Contoso.VisualStudio.com/defaultcollection",
            svc("contoso", None),
        ),
        // Failures.
        (
            "",
            Err(TargetError::Empty {
                kind: TargetKind::Services,
            }),
        ),
        (
            "   ",
            Err(TargetError::Empty {
                kind: TargetKind::Services,
            }),
        ),
        (
            "my org",
            Err(bad_org(
                "my org",
                OrgNameProblem::InvalidChar {
                    ch: ' ',
                    position: 3,
                },
            )),
        ),
        (
            "contoso-",
            Err(bad_org("contoso-", OrgNameProblem::TrailingHyphen)),
        ),
        (
            "-contoso",
            Err(bad_org("-contoso", OrgNameProblem::BadStart('-'))),
        ),
        (&org51, Err(bad_org(&org51, OrgNameProblem::TooLong(51)))),
        (
            "bücher",
            Err(bad_org(
                "bücher",
                OrgNameProblem::InvalidChar {
                    ch: 'ü',
                    position: 2,
                },
            )),
        ),
        (
            "contoso_dev",
            Err(bad_org(
                "contoso_dev",
                OrgNameProblem::InvalidChar {
                    ch: '_',
                    position: 8,
                },
            )),
        ),
        (
            "https://dev.azure.com/contoso-/Fabrikam",
            Err(bad_org("contoso-", OrgNameProblem::TrailingHyphen)),
        ),
        (
            "https://bücher.visualstudio.com",
            Err(bad_org(
                "bücher",
                OrgNameProblem::InvalidChar {
                    ch: 'ü',
                    position: 2,
                },
            )),
        ),
        (
            "ftp://dev.azure.com/contoso",
            Err(TargetError::UnsupportedScheme {
                scheme: "ftp".into(),
            }),
        ),
        (
            "https://user:pw@dev.azure.com/contoso",
            Err(TargetError::UserInfo),
        ),
        ("user:pw@dev.azure.com/contoso", Err(TargetError::UserInfo)),
        (
            "https://dev.azure.com/",
            Err(TargetError::MissingOrganization {
                example: "https://dev.azure.com/contoso".into(),
            }),
        ),
        (
            "https://dev.azure.com/_apis/projects?api-version=7.1",
            Err(TargetError::MissingOrganization {
                example: "https://dev.azure.com/contoso".into(),
            }),
        ),
        ("alice@contoso.com", Err(TargetError::EmailAddress)),
        ("contoso/Fabrikam", Err(TargetError::PathWithoutHost)),
        (
            "https://github.com/contoso/repo",
            Err(unexpected("github.com", false)),
        ),
        (
            "https://tfs.contoso.com/tfs/DefaultCollection/Fabrikam",
            Err(unexpected("tfs.contoso.com", true)),
        ),
        (
            "https://ado.contoso.com:8443/DefaultCollection",
            Err(unexpected("ado.contoso.com:8443", true)),
        ),
        (
            "https://app.vssps.visualstudio.com/_signin",
            Err(unexpected("app.vssps.visualstudio.com", false)),
        ),
        (
            "http://localhost/contoso",
            Err(unexpected("localhost", false)),
        ),
        ("https://[::1]/contoso", Err(unexpected("[::1]", false))),
        (
            "https://dev.azure.com/contoso/%5Fgit/x",
            svc("contoso", None),
        ),
        (
            "https://dev.azure.com/contoso/a%2Fb",
            Err(TargetError::InvalidProject {
                reason: "it contains '/'".into(),
            }),
        ),
    ];
    assert!(table.len() >= 40, "{} rows", table.len());
    let mut failures = Vec::new();
    for (input, expected) in &table {
        let got = parse_services_target(input, &cloud());
        if &got != expected {
            failures.push(format!("{input:?}\n   got {got:?}\n  want {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn services_on_overridden_base() {
    let base = Url::parse("http://127.0.0.1:8080").unwrap();
    let table: Vec<(&str, Result<ServicesTarget, TargetError>)> = vec![
        (
            "http://127.0.0.1:8080/contoso/My%20Project/_git/repo",
            svc("contoso", Some("My Project")),
        ),
        ("127.0.0.1:8080/contoso", svc("contoso", None)),
        ("http://127.0.0.1:8080/contoso/", svc("contoso", None)),
        ("contoso", svc("contoso", None)),
        (
            "https://dev.azure.com/contoso/Fabrikam",
            svc("contoso", Some("Fabrikam")),
        ),
        (
            "http://127.0.0.1:9090/contoso",
            Err(TargetError::UnexpectedHost {
                host: "127.0.0.1:9090".into(),
                expected: "dev.azure.com/{org}, {org}.visualstudio.com or 127.0.0.1:8080/{org}"
                    .into(),
                server_hint: false,
            }),
        ),
        (
            "http://127.0.0.1:8080/",
            Err(TargetError::MissingOrganization {
                example: "http://127.0.0.1:8080/contoso".into(),
            }),
        ),
    ];
    for (input, expected) in &table {
        assert_eq!(&parse_services_target(input, &base), expected, "{input}");
    }

    // A base with a path prefix (a proxy in front of Azure DevOps).
    let base = Url::parse("https://proxy.contoso.com/ado").unwrap();
    assert_eq!(
        parse_services_target("https://proxy.contoso.com/ado/contoso/Fabrikam", &base),
        svc("contoso", Some("Fabrikam"))
    );
    assert_eq!(
        parse_services_target(
            "localhost/contoso",
            &Url::parse("http://localhost").unwrap()
        ),
        svc("contoso", None)
    );
}

#[test]
fn server_table() {
    let tfs = "https://tfs.contoso.com/tfs/DefaultCollection";
    let table: Vec<(&str, bool, Result<ServerTarget, TargetError>)> = vec![
        (tfs, false, srv(tfs, None, &[])),
        (
            "https://tfs.contoso.com/tfs/DefaultCollection/",
            false,
            srv(tfs, None, &[]),
        ),
        (
            "  https://tfs.contoso.com/tfs/DefaultCollection  ",
            false,
            srv(tfs, None, &[]),
        ),
        (
            "https://tfs.contoso.com/tfs/DefaultCollection/Fabrikam/_git/repo",
            false,
            srv(tfs, Some("Fabrikam"), &[]),
        ),
        (
            "https://tfs.contoso.com/tfs/DefaultCollection/_git/repo",
            false,
            srv(tfs, None, &[]),
        ),
        (
            "https://TFS.Contoso.COM/TFS/DefaultCollection",
            false,
            srv("https://tfs.contoso.com/TFS/DefaultCollection", None, &[]),
        ),
        (
            "https://ado.contoso.com/DefaultCollection",
            false,
            srv("https://ado.contoso.com/DefaultCollection", None, &[]),
        ),
        (
            "https://ado.contoso.com/DefaultCollection/My%20Project/_workitems/edit/12",
            false,
            srv(
                "https://ado.contoso.com/DefaultCollection",
                Some("My Project"),
                &[],
            ),
        ),
        (
            "https://ado.contoso.com/Fabrikam%20Collection/Web/Team%201/_backlogs",
            false,
            srv(
                "https://ado.contoso.com/Fabrikam%20Collection",
                Some("Web"),
                &[],
            ),
        ),
        (
            "https://ado.contoso.com/azuredevops/DefaultCollection/Proj",
            false,
            srv(
                "https://ado.contoso.com/azuredevops/DefaultCollection",
                Some("Proj"),
                &[],
            ),
        ),
        (
            "https://tfs.contoso.com:8443/tfs/DefaultCollection",
            false,
            srv(
                "https://tfs.contoso.com:8443/tfs/DefaultCollection",
                None,
                &[],
            ),
        ),
        (
            "https://tfs.contoso.com:443/tfs/DefaultCollection",
            false,
            srv(tfs, None, &[]),
        ),
        (
            "https://[::1]:8443/tfs/DefaultCollection",
            false,
            srv(
                "https://[::1]:8443/tfs/DefaultCollection",
                None,
                &["[::1] is a loopback address: only this machine can reach it"],
            ),
        ),
        (
            "https://localhost/DefaultCollection",
            false,
            srv(
                "https://localhost/DefaultCollection",
                None,
                &["localhost is a loopback address: only this machine can reach it"],
            ),
        ),
        (
            "https://10.0.0.5/DefaultCollection",
            false,
            srv("https://10.0.0.5/DefaultCollection", None, &[]),
        ),
        (
            "https://bücher.example/tfs/DefaultCollection",
            false,
            srv(
                "https://xn--bcher-kva.example/tfs/DefaultCollection",
                None,
                &["international host name: bücher.example is used as xn--bcher-kva.example"],
            ),
        ),
        (
            "https://xn--bcher-kva.example/tfs/DefaultCollection",
            false,
            srv(
                "https://xn--bcher-kva.example/tfs/DefaultCollection",
                None,
                &["international host name: bücher.example is used as xn--bcher-kva.example"],
            ),
        ),
        (
            "http://tfs.lab.local:8080/tfs/DefaultCollection",
            true,
            srv(
                "http://tfs.lab.local:8080/tfs/DefaultCollection",
                None,
                &["plain HTTP: credentials travel unencrypted"],
            ),
        ),
        (
            "https://tfs.contoso.com/tfs/DefaultCollection/Fabrikam?a=b#c",
            false,
            srv(
                tfs,
                Some("Fabrikam"),
                &["the query string and fragment were removed (a collection URL has none)"],
            ),
        ),
        (
            "tfs.contoso.com/tfs/DefaultCollection",
            false,
            srv(tfs, None, &["no scheme given: https:// assumed"]),
        ),
        (
            "https://tfs/tfs/DefaultCollection/Fabrikam",
            false,
            srv("https://tfs/tfs/DefaultCollection", Some("Fabrikam"), &[]),
        ),
        // Failures.
        (
            "https://ado.contoso.com/%FF/Proj",
            false,
            Err(TargetError::InvalidCollection {
                reason: "it is not valid UTF-8 after percent-decoding".into(),
            }),
        ),
        (
            "https://ado.contoso.com/a:b",
            false,
            Err(TargetError::InvalidCollection {
                reason: "it contains ':'".into(),
            }),
        ),
        (
            "https://ado.contoso.com/DefaultCollection/%20Proj",
            false,
            Err(TargetError::InvalidProject {
                reason: "it starts or ends with a space".into(),
            }),
        ),
        (
            "//ado.contoso.com/DefaultCollection",
            false,
            Err(TargetError::NotAUrl {
                reason: "it starts with a path; the host is missing".into(),
            }),
        ),
        (
            "htt ps://ado.contoso.com/DefaultCollection",
            false,
            Err(TargetError::NotAUrl {
                reason: "the text before :// is not a scheme such as https".into(),
            }),
        ),
        (
            "",
            false,
            Err(TargetError::Empty {
                kind: TargetKind::Server,
            }),
        ),
        (
            "http://tfs.contoso.com/tfs/DefaultCollection",
            false,
            Err(TargetError::PlainHttp),
        ),
        (
            "ftp://tfs.contoso.com/tfs/DefaultCollection",
            true,
            Err(TargetError::UnsupportedScheme {
                scheme: "ftp".into(),
            }),
        ),
        (
            "https://user:S3cretPw@tfs.contoso.com/tfs/DefaultCollection",
            false,
            Err(TargetError::UserInfo),
        ),
        (
            "https://alice@tfs.contoso.com/tfs/DefaultCollection",
            false,
            Err(TargetError::UserInfo),
        ),
        (
            "https://tfs.contoso.com/tfs/DefaultCollection/DefaultCollection",
            false,
            Err(TargetError::DoubledCollection {
                segment: "DefaultCollection".into(),
                fixed: tfs.into(),
            }),
        ),
        (
            "https://ado.contoso.com/DefaultCollection/defaultcollection/Proj",
            false,
            Err(TargetError::DoubledCollection {
                segment: "DefaultCollection".into(),
                fixed: "https://ado.contoso.com/DefaultCollection".into(),
            }),
        ),
        (
            "https://tfs.contoso.com/tfs/tfs/DefaultCollection",
            false,
            Err(TargetError::DoubledCollection {
                segment: "tfs".into(),
                fixed: tfs.into(),
            }),
        ),
        (
            "https://ado.contoso.com",
            false,
            Err(TargetError::MissingCollection {
                example: "https://ado.contoso.com/DefaultCollection".into(),
            }),
        ),
        (
            "https://ado.contoso.com/",
            false,
            Err(TargetError::MissingCollection {
                example: "https://ado.contoso.com/DefaultCollection".into(),
            }),
        ),
        (
            "https://tfs.contoso.com/tfs",
            false,
            Err(TargetError::MissingCollection {
                example: tfs.into(),
            }),
        ),
        (
            "https://tfs.contoso.com/tfs/_apis/projects",
            false,
            Err(TargetError::MissingCollection {
                example: tfs.into(),
            }),
        ),
        (
            "https://ado.contoso.com:8080/_apis/connectionData",
            false,
            Err(TargetError::MissingCollection {
                example: "https://ado.contoso.com:8080/DefaultCollection".into(),
            }),
        ),
        (
            "https://dev.azure.com/contoso",
            false,
            Err(TargetError::ServicesUrl {
                host: "dev.azure.com".into(),
            }),
        ),
        (
            "https://contoso.visualstudio.com/DefaultCollection",
            false,
            Err(TargetError::ServicesUrl {
                host: "contoso.visualstudio.com".into(),
            }),
        ),
        (
            "not a url at all",
            false,
            Err(TargetError::NotAUrl {
                reason: "invalid international domain name".into(),
            }),
        ),
        (
            "https://tfs.contoso.com:99999/tfs/DefaultCollection",
            false,
            Err(TargetError::NotAUrl {
                reason: "invalid port number".into(),
            }),
        ),
    ];
    let mut failures = Vec::new();
    for (input, allow_http, expected) in &table {
        let got = parse_server_url(input, *allow_http);
        if &got != expected {
            failures.push(format!(
                "{input:?} (allow_http {allow_http})\n   got {got:?}\n  want {expected:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn messages_are_one_line_with_code_and_fix() {
    let cases = [
        parse_services_target("contoso-", &cloud()).unwrap_err(),
        parse_services_target("https://tfs.contoso.com/tfs/DefaultCollection", &cloud())
            .unwrap_err(),
        parse_server_url("https://ado.contoso.com", false).unwrap_err(),
        parse_server_url("https://dev.azure.com/contoso", false).unwrap_err(),
        parse_server_url("http://ado.contoso.com/DefaultCollection", false).unwrap_err(),
        parse_server_url(
            "https://tfs.contoso.com/tfs/DefaultCollection/DefaultCollection",
            false,
        )
        .unwrap_err(),
    ];
    for e in &cases {
        assert_eq!(e.code(), "PROVIDER_BASE_URL_BLOCKED");
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(!e.fix().is_empty());
    }
    assert_eq!(
        cases[0].to_string(),
        "organization name \"contoso-\" is not valid: it must not end with a hyphen"
    );
    assert_eq!(
        cases[1].to_string(),
        "tfs.contoso.com is not an Azure DevOps Services address; expected \
         dev.azure.com/{org} or {org}.visualstudio.com (for your own server, choose Azure DevOps Server)"
    );
    assert!(cases[1].fix().contains("choose Azure DevOps Server"));
    assert_eq!(
        cases[2].to_string(),
        "the URL has no collection; add the collection, e.g. https://ado.contoso.com/DefaultCollection"
    );
    assert!(cases[3].to_string().contains("choose Services"));
    assert!(cases[4].fix().contains("--allow-http"));
    assert_eq!(
        cases[5].fix(),
        "Use https://tfs.contoso.com/tfs/DefaultCollection"
    );
}

#[test]
fn passwords_never_appear_in_messages() {
    let secret = "S3cretPw";
    let services = [
        "https://user:S3cretPw@dev.azure.com/contoso",
        "user:S3cretPw@dev.azure.com/contoso",
        "https://user:S3cretPw@github.com/x",
        "https://user:S3cretPw@[bad/x",
        "https://user:S3cretPw@dev.azure.com:notaport/x",
        "ftp://user:S3cretPw@dev.azure.com/x",
        "ssh://git:S3cretPw@ssh.dev.azure.com/v3/contoso/p/r",
        "https://user:S3cret Pw@dev.azure.com/contoso",
    ];
    for input in services {
        let err = parse_services_target(input, &cloud()).unwrap_err();
        let shown = format!("{err} {} {err:?}", err.fix());
        assert!(!shown.contains(secret), "{input}: {shown}");
    }
    let server = [
        "https://user:S3cretPw@tfs.contoso.com/tfs/DefaultCollection",
        "user:S3cretPw@tfs.contoso.com/tfs/DefaultCollection",
        "http://user:S3cretPw@tfs.contoso.com/tfs/DefaultCollection",
        "https://user:S3cretPw@tfs.contoso.com:99999/tfs",
        "https://:S3cretPw@ado.contoso.com",
    ];
    for input in server {
        for allow in [false, true] {
            let err = parse_server_url(input, allow).unwrap_err();
            let shown = format!("{err} {} {err:?}", err.fix());
            assert!(!shown.contains(secret), "{input}: {shown}");
        }
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Builds strings out of characters and URL-shaped fragments so that the
/// generator reaches the interesting branches, not only "invalid".
fn generate(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "https://",
        "http://",
        "ftp://",
        "ssh://",
        "dev.azure.com",
        "contoso",
        ".visualstudio.com",
        "/",
        "/",
        "//",
        ":",
        ":8080",
        "%",
        "%20",
        "%C3%A9",
        "%FF",
        "@",
        "?",
        "#",
        ".",
        "_",
        "-",
        "_git",
        "tfs",
        "DefaultCollection",
        "[::1]",
        "127.0.0.1",
        "localhost",
        "bücher",
        "ü",
        "日本",
        "İ",
        "🦀",
        " ",
        "\t",
        "a",
        "Z",
        "7",
        "xn--",
        "git@ssh.dev.azure.com:v3/",
        "user:pw@",
    ];
    const PREFIXES: &[&str] = &[
        "https://dev.azure.com/",
        "dev.azure.com/",
        "https://contoso.visualstudio.com/",
        "http://127.0.0.1:8080/",
        "https://tfs.contoso.com/tfs/",
        "https://ado.contoso.com/",
        "http://ado.contoso.com:8080/",
        "https://[::1]:8443/",
        "https://bücher.example/",
    ];
    let mut s = String::new();
    if rng.below(2) == 0 {
        s.push_str(PREFIXES[rng.below(PREFIXES.len())]);
    }
    let len = rng.below(8);
    for _ in 0..len {
        s.push_str(PIECES[rng.below(PIECES.len())]);
    }
    s
}

#[test]
fn generated_inputs_never_panic_and_ok_results_revalidate() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let bases = [cloud(), Url::parse("http://127.0.0.1:8080").unwrap()];
    let (mut services_ok, mut server_ok) = (0, 0);
    for i in 0..2000 {
        let input = generate(&mut rng);
        let base = &bases[i % 2];
        if let Ok(t) = parse_services_target(&input, base) {
            services_ok += 1;
            assert!(
                validate_org_name(&t.organization).is_ok(),
                "{input:?} gave org {:?}",
                t.organization
            );
            if let Some(p) = &t.project {
                assert!(!p.is_empty() && !p.starts_with('_'), "{input:?} gave {p:?}");
            }
        }
        for allow_http in [false, true] {
            let Ok(t) = parse_server_url(&input, allow_http) else {
                continue;
            };
            server_ok += 1;
            let u = &t.base_url;
            assert!(
                u.scheme() == "https" || (allow_http && u.scheme() == "http"),
                "{input:?} gave {u}"
            );
            assert!(
                u.query().is_none() && u.fragment().is_none(),
                "{input:?} gave {u}"
            );
            assert!(
                u.username().is_empty() && u.password().is_none(),
                "{input:?}"
            );
            assert!(!u.as_str().ends_with('/'), "{input:?} gave {u}");
            // The normalised URL parses to itself.
            let again = parse_server_url(u.as_str(), allow_http)
                .unwrap_or_else(|e| panic!("{input:?} gave {u}, which fails: {e}"));
            assert_eq!(&again.base_url, u, "{input:?}");
            assert_eq!(again.project, None, "{input:?}");
        }
    }
    eprintln!("services ok {services_ok}, server ok {server_ok}");
    // The generator must reach the success paths, not only refusals.
    assert!(services_ok > 100, "only {services_ok} services successes");
    assert!(server_ok > 200, "only {server_ok} server successes");
}
