//! The scenario tables: the error scenarios a PAT (or a scenario
//! organization) triggers, and the Microsoft sign-in scenarios a tenant
//! triggers. Pure data that depends on nothing: the catalog checks its
//! scenario organizations against these names, the handlers act on the
//! kinds.

/// Error scenarios reachable with a PAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScenarioKind {
    ReadOnly,
    NotMaterialized,
    ConditionalAccess,
    Expired,
    NoPermissions,
    Throttled,
}

/// (name, PAT, kind, description) of every scenario.
pub(crate) const SCENARIOS: &[(&str, &str, ScenarioKind, &str)] = &[
    (
        "read-only",
        "sbxreadonlyv65z3dbzbogjqxstgljhwef7uk6jopbpsvl4v6ab2",
        ScenarioKind::ReadOnly,
        "PAT with read scopes only: reads work; the dry-run create answers 401 (scope vso.work_write missing)",
    ),
    (
        "not-materialized",
        "sbxnotmaterialized33tnpdnvh3zjcoe2f6xveob6qpkcyqofx7",
        ScenarioKind::NotMaterialized,
        "identity never signed in to the web UI: every call answers 401 AadUserStateException",
    ),
    (
        "conditional-access",
        "sbxconditionalaccess6xkdqtlaf243os676fgpoxhuiclhb4hj",
        ScenarioKind::ConditionalAccess,
        "blocked by an Entra Conditional Access policy: every call answers 403 VS403463",
    ),
    (
        "expired",
        "sbxexpiredi6ufmopbfrgjgshtyu3per46sz6lhv26e5dwts37sp",
        ScenarioKind::Expired,
        "expired PAT: every call answers 203 with the HTML sign-in page",
    ),
    (
        "no-permissions",
        "sbxnopermissionskykaujcfkfrbuv6p45l365qk7ul2w3cecysv",
        ScenarioKind::NoPermissions,
        "valid PAT of a Stakeholder (Morgan Ellison): reads work, every permission check answers false",
    ),
    (
        "throttled",
        "sbxthrottledrytkvpxxfgq5e7fuy6jukxfnrbqikpn6lphhjwpj",
        ScenarioKind::Throttled,
        "full access, but every API request is answered 429 (Retry-After: 1) once, then served",
    ),
];

/// What a scenario organization shows, by scenario name: the answers and
/// the `doctor` check that fails there.
pub(crate) const SCENARIO_ORG_NOTES: &[(&str, &str)] = &[
    (
        "read-only",
        "any accepted credential: reads work, the dry-run create answers 401 (vso.work_write missing) -> doctor: scope.write PROVIDER_SCOPE_UNAVAILABLE",
    ),
    (
        "not-materialized",
        "any accepted credential: every call answers 401 AadUserStateException -> doctor: auth.identity IDENTITY_NOT_MATERIALIZED",
    ),
    (
        "conditional-access",
        "any accepted credential: every call answers 403 VS403463 -> doctor: auth.policy ORG_POLICY_BLOCKED",
    ),
    (
        "expired",
        "any accepted credential: every call answers 203 with the sign-in page -> doctor: auth.credentials PROVIDER_AUTH_REQUIRED",
    ),
    (
        "no-permissions",
        "any accepted credential acts as Morgan Ellison: reads work, every permission is false -> doctor: permission.project_admin PERMISSION_MISSING",
    ),
    (
        "throttled",
        "any accepted credential: each request is answered 429 (Retry-After: 1) once, then served -> doctor waits and passes",
    ),
];

/// The scenario named `name` (`read-only`, …), if it is a PAT scenario.
pub(crate) fn scenario_kind(name: &str) -> Option<ScenarioKind> {
    SCENARIOS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, _, kind, _)| *kind)
}

/// A Microsoft sign-in scenario: how the sandbox's Entra ID treats the
/// tenant of the scenario organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignInKind {
    /// Device codes are declined once `approve_after` has passed.
    DeviceDeclined,
    /// Device codes are never approved and expire quickly.
    DeviceExpired,
    /// The main user is not a member of the tenant (`AADSTS50020`).
    WrongDirectory,
    /// Refresh tokens of the tenant expire in 5 days.
    Expiring,
}

/// (name, kind, description) of every sign-in scenario; the scenario
/// organization is `scenario-{name}`, in a tenant of its own.
pub(crate) const SIGN_IN_SCENARIOS: &[(&str, SignInKind, &str)] = &[
    (
        "device-declined",
        SignInKind::DeviceDeclined,
        "a device code for this tenant ends in authorization_declined (AADSTS70000) when it would be approved -> sign-in fails PROVIDER_AUTH_REQUIRED (declined); the PAT and refresh tokens work",
    ),
    (
        "device-expired",
        SignInKind::DeviceExpired,
        "a device code for this tenant is never approved and expires after 3 s (60 s when approve_after >= 5 s), then expired_token (AADSTS70019) -> sign-in fails PROVIDER_AUTH_REQUIRED (expired); the PAT and refresh tokens work",
    ),
    (
        "wrong-directory",
        SignInKind::WrongDirectory,
        "Avery is not a member of this tenant: device code and refresh-token grants for it answer invalid_grant AADSTS50020, Bearer tokens of other tenants and every PAT get 401 -> doctor (Microsoft sign-in): auth.directory AUTH_WRONG_DIRECTORY",
    ),
    (
        "expiring",
        SignInKind::Expiring,
        "token responses for this tenant carry refresh_token_expires_in 432000 (5 days) -> doctor (Microsoft sign-in): auth.expiry CREDENTIAL_EXPIRING (warn; exit 0, 1 with --strict)",
    ),
];

/// The sign-in scenario named `name` (`device-declined`, …), if it is one.
pub(crate) fn sign_in_kind(name: &str) -> Option<SignInKind> {
    SIGN_IN_SCENARIOS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, kind, _)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_has_a_scenario_org_note() {
        let names: Vec<&str> = SCENARIOS.iter().map(|s| s.0).collect();
        let noted: Vec<&str> = SCENARIO_ORG_NOTES.iter().map(|n| n.0).collect();
        assert_eq!(names, noted);
    }

    #[test]
    fn scenario_names_are_looked_up_by_kind() {
        for (name, _, kind, _) in SCENARIOS {
            assert_eq!(scenario_kind(name), Some(*kind));
            assert_eq!(sign_in_kind(name), None);
        }
        for (name, kind, _) in SIGN_IN_SCENARIOS {
            assert_eq!(sign_in_kind(name), Some(*kind));
            assert_eq!(scenario_kind(name), None);
        }
        assert_eq!(scenario_kind("nope"), None);
    }
}
