//! REST api-versions (SPEC §1 `api_version`): Services speaks 7.1; Azure
//! DevOps Server 2022 speaks 7.0, 2020 6.0, 2019 5.0. The version a server
//! speaks is found by [`super::negotiate`].

use std::fmt;

/// A REST api-version such as `7.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: u8,
    pub minor: u8,
}

impl ApiVersion {
    /// Azure DevOps Services (and the newest we speak).
    pub const SERVICES: ApiVersion = ApiVersion { major: 7, minor: 1 };
    /// Azure DevOps Server 2019, the oldest we support.
    pub const OLDEST: ApiVersion = ApiVersion { major: 5, minor: 0 };

    /// Parses `7.1`, `6.0`, `7.1-preview.1` (the preview part is dropped).
    pub fn parse(s: &str) -> Option<ApiVersion> {
        let core = s.trim().split('-').next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.trim().parse().ok()?;
        let minor = match parts.next() {
            Some(m) => m.trim().parse().ok()?,
            None => 0,
        };
        Some(ApiVersion { major, minor })
    }

    /// `7.1-preview.N`
    pub fn preview(self, n: u8) -> String {
        format!("{self}-preview.{n}")
    }

    /// The product this version identifies, for messages.
    pub fn product(self) -> &'static str {
        match (self.major, self.minor) {
            (7, 1..) | (8.., _) => "Azure DevOps Services",
            (7, 0) => "Azure DevOps Server 2022",
            (6, _) => "Azure DevOps Server 2020",
            (5, _) => "Azure DevOps Server 2019",
            _ => "Team Foundation Server 2018 or older",
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_order() {
        assert_eq!(
            ApiVersion::parse("7.1-preview.1"),
            Some(ApiVersion::SERVICES)
        );
        assert_eq!(
            ApiVersion::parse("6.0"),
            Some(ApiVersion { major: 6, minor: 0 })
        );
        assert_eq!(ApiVersion::parse("5"), Some(ApiVersion::OLDEST));
        assert_eq!(ApiVersion::parse("x.1"), None);
        assert_eq!(ApiVersion::parse(""), None);
        assert!(ApiVersion::parse("6.0") < ApiVersion::parse("7.0"));
        assert_eq!(ApiVersion::SERVICES.preview(1), "7.1-preview.1");
    }

    #[test]
    fn products_are_named() {
        assert_eq!(
            ApiVersion { major: 6, minor: 0 }.product(),
            "Azure DevOps Server 2020"
        );
        assert_eq!(ApiVersion::SERVICES.product(), "Azure DevOps Services");
    }
}
