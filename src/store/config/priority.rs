//! The priority map of a connection (SPEC §1): the work item priority
//! (1–4) each severity the integration reports is filed with, read from
//! `critical=1,high=2,…` and written back the same way.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A severity reported by the integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// critical
    Critical,
    /// high
    High,
    /// medium
    Medium,
    /// low
    Low,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = PriorityMapError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| PriorityMapError::UnknownSeverity(t.to_string()))
    }
}

/// Severity → `Microsoft.VSTS.Common.Priority` value. Default
/// critical=1, high=2, medium=3, low=4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriorityMap {
    /// Priority for critical findings.
    #[serde(default = "default_critical")]
    pub critical: i64,
    /// Priority for high findings.
    #[serde(default = "default_high")]
    pub high: i64,
    /// Priority for medium findings.
    #[serde(default = "default_medium")]
    pub medium: i64,
    /// Priority for low findings.
    #[serde(default = "default_low")]
    pub low: i64,
}

fn default_critical() -> i64 {
    1
}
fn default_high() -> i64 {
    2
}
fn default_medium() -> i64 {
    3
}
fn default_low() -> i64 {
    4
}

impl Default for PriorityMap {
    fn default() -> Self {
        PriorityMap {
            critical: default_critical(),
            high: default_high(),
            medium: default_medium(),
            low: default_low(),
        }
    }
}

impl PriorityMap {
    /// Parses `critical=1,high=2,medium=3,low=4` (the `--priority-map` flag).
    ///
    /// Severity names are case-insensitive and spaces are ignored; severities
    /// left out keep their default. Errors: an empty map, an item without
    /// `=`, an unknown severity, a value that is not an integer, a severity
    /// given twice.
    pub fn parse(input: &str) -> Result<PriorityMap, PriorityMapError> {
        if input.trim().is_empty() {
            return Err(PriorityMapError::Empty);
        }
        let mut map = PriorityMap::default();
        let mut seen: Vec<Severity> = Vec::new();
        for item in input.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let Some((key, value)) = item.split_once('=') else {
                return Err(PriorityMapError::Malformed(item.to_string()));
            };
            let severity: Severity = key.parse()?;
            if seen.contains(&severity) {
                return Err(PriorityMapError::Duplicate(severity));
            }
            seen.push(severity);
            let value = value.trim();
            let n: i64 = value.parse().map_err(|_| PriorityMapError::NotAnInteger {
                severity,
                value: value.to_string(),
            })?;
            map.set(severity, n);
        }
        if seen.is_empty() {
            return Err(PriorityMapError::Empty);
        }
        Ok(map)
    }

    /// The priority of one severity.
    pub fn get(&self, severity: Severity) -> i64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    /// Changes the priority of one severity.
    pub fn set(&mut self, severity: Severity, value: i64) {
        match severity {
            Severity::Critical => self.critical = value,
            Severity::High => self.high = value,
            Severity::Medium => self.medium = value,
            Severity::Low => self.low = value,
        }
    }

    /// `(severity, priority)` pairs, most severe first.
    pub fn entries(&self) -> [(Severity, i64); 4] {
        Severity::ALL.map(|s| (s, self.get(s)))
    }
}

impl fmt::Display for PriorityMap {
    /// `critical=1,high=2,medium=3,low=4` (what [`PriorityMap::parse`] reads).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .entries()
            .iter()
            .map(|(s, v)| format!("{s}={v}"))
            .collect();
        f.write_str(&parts.join(","))
    }
}

impl FromStr for PriorityMap {
    type Err = PriorityMapError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PriorityMap::parse(s)
    }
}

/// A `--priority-map` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriorityMapError {
    /// Nothing given.
    #[error("the priority map is empty: give severity=priority pairs separated by commas")]
    Empty,
    /// An item without `=`.
    #[error("priority map item {0:?} is not of the form severity=priority")]
    Malformed(String),
    /// Not critical/high/medium/low.
    #[error("unknown severity {0:?} in the priority map: use critical, high, medium or low")]
    UnknownSeverity(String),
    /// The value is not an integer.
    #[error("priority for {severity} must be an integer, got {value:?}")]
    NotAnInteger {
        /// The severity.
        severity: Severity,
        /// What was given.
        value: String,
    },
    /// A severity given twice.
    #[error("severity {0} is given more than once in the priority map")]
    Duplicate(Severity),
}

impl PriorityMapError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "PRIORITY_MAP_INVALID"
    }

    /// How to fix it.
    pub fn fix(&self) -> String {
        "Use the form critical=1,high=2,medium=3,low=4 (each severity at most once; \
         omitted severities keep these defaults)"
            .to_string()
    }
}
