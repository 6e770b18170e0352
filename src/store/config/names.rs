//! The name rules of SPEC §1: what a connection and an Azure DevOps
//! organization may be called, the [`NameError`] that says which rule a
//! name breaks, and a connection name suggested from the target.

use std::fmt;

/// Which kind of name a [`NameError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A connection name.
    Connection,
    /// An Azure DevOps organization name.
    Organization,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Connection => "connection name",
            NameKind::Organization => "organization name",
        })
    }
}

/// A connection or organization name that breaks a rule of SPEC §1. The
/// message says which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty.
    #[error("{kind} is empty")]
    Empty {
        /// Connection or organization.
        kind: NameKind,
    },
    /// Fewer characters than allowed.
    #[error("{kind} {name:?} is too short: it must have at least {min} characters")]
    TooShort {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// Minimum length.
        min: usize,
    },
    /// More characters than allowed.
    #[error("{kind} {name:?} is too long: it may have at most {max} characters")]
    TooLong {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// Maximum length.
        max: usize,
    },
    /// First character not allowed.
    #[error("{kind} {name:?} must start with {rule}")]
    BadStart {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// "a letter" or "a letter or digit".
        rule: &'static str,
    },
    /// A character other than letters, digits and hyphens.
    #[error("{kind} {name:?} may contain only letters, digits and hyphens (found {ch:?})")]
    BadChar {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// The offending character.
        ch: char,
    },
    /// Ends with a hyphen (organization).
    #[error("{kind} {name:?} must not end with a hyphen")]
    TrailingHyphen {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
    },
}

impl NameError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "NAME_INVALID"
    }

    /// The rule, as advice.
    pub fn fix(&self) -> String {
        let kind = match self {
            NameError::Empty { kind }
            | NameError::TooShort { kind, .. }
            | NameError::TooLong { kind, .. }
            | NameError::BadStart { kind, .. }
            | NameError::BadChar { kind, .. }
            | NameError::TrailingHyphen { kind, .. } => *kind,
        };
        match kind {
            NameKind::Connection => "A connection name starts with a letter and has 3–32 letters, \
                                     digits or hyphens, e.g. contoso-boards"
                .to_string(),
            NameKind::Organization => "An organization name is the part after dev.azure.com/: \
                                       letters, digits and hyphens, starting with a letter or \
                                       digit, not ending with a hyphen, at most 50 characters"
                .to_string(),
        }
    }
}

fn check_chars(kind: NameKind, name: &str) -> Result<(), NameError> {
    if let Some(ch) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(NameError::BadChar {
            kind,
            name: name.to_string(),
            ch,
        });
    }
    Ok(())
}

/// A connection name in the rules' shape from the organization (or host)
/// and the project: `contoso-payments-platform`, at most 32 characters,
/// cut at a hyphen.
pub fn suggest_connection_name(first: &str, project: &str) -> String {
    let raw = format!("{first}-{project}");
    let mut name = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    // At most 32 characters, cut at a hyphen rather than mid-word.
    let mut name = name.trim_end_matches('-').to_string();
    if name.len() > 32 {
        let cut = name[..33].rfind('-').filter(|&i| i >= 3).unwrap_or(32);
        name.truncate(cut);
    }
    while name.ends_with('-') {
        name.pop();
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("ado-{name}").chars().take(32).collect();
    }
    if name.len() < 3 {
        name = "azure-boards".into();
    }
    name
}

/// Connection name: starts with a letter; letters, digits, hyphens; 3–32
/// characters (ASCII).
pub fn validate_connection_name(name: &str) -> Result<(), NameError> {
    let kind = NameKind::Connection;
    let Some(first) = name.chars().next() else {
        return Err(NameError::Empty { kind });
    };
    if !first.is_ascii_alphabetic() {
        return Err(NameError::BadStart {
            kind,
            name: name.to_string(),
            rule: "a letter",
        });
    }
    check_chars(kind, name)?;
    let len = name.chars().count();
    if len < 3 {
        return Err(NameError::TooShort {
            kind,
            name: name.to_string(),
            min: 3,
        });
    }
    if len > 32 {
        return Err(NameError::TooLong {
            kind,
            name: name.to_string(),
            max: 32,
        });
    }
    Ok(())
}

/// Organization name: starts with a letter or digit; letters, digits,
/// hyphens; no trailing hyphen; at most 50 characters (ASCII).
pub fn validate_org_name(name: &str) -> Result<(), NameError> {
    use crate::net::target::{OrgNameProblem, TargetError};
    // One rule, kept with the target parser; here it speaks NameError.
    let kind = NameKind::Organization;
    let name_s = || name.to_string();
    match crate::net::target::validate_org_name(name) {
        Ok(()) => Ok(()),
        Err(TargetError::InvalidOrgName { problem, .. }) => Err(match problem {
            OrgNameProblem::Empty => NameError::Empty { kind },
            OrgNameProblem::InvalidChar { ch, .. } => NameError::BadChar {
                kind,
                name: name_s(),
                ch,
            },
            OrgNameProblem::TrailingHyphen => NameError::TrailingHyphen {
                kind,
                name: name_s(),
            },
            OrgNameProblem::TooLong(_) => NameError::TooLong {
                kind,
                name: name_s(),
                max: crate::net::target::MAX_ORG_NAME_LEN,
            },
            OrgNameProblem::BadStart(_) => NameError::BadStart {
                kind,
                name: name_s(),
                rule: "a letter or digit",
            },
        }),
        Err(_) => Err(NameError::BadStart {
            kind,
            name: name_s(),
            rule: "a letter or digit",
        }),
    }
}
