//! The shared state of one running sandbox: the catalog, the addresses it
//! answers on, the signing key of its tokens, the sign-in grants its Entra
//! ID has issued, the trusted certificates, the fault in force and the log
//! of served requests. Every handler reads it; nothing here answers HTTP.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::data::{Org, SharedCatalog};
use super::fault::Fault;
use super::record::RequestLog;
use super::util::{random_guid, random_u64};

/// Shared state of one running sandbox.
pub(crate) struct State {
    pub cat: SharedCatalog,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The bound port.
    pub port: u16,
    pub approve_after: Duration,
    pub process_id: String,
    /// The key of the tokens this sandbox signs (see `token`).
    pub sign_key: (u64, u64),
    /// Device codes issued and not yet redeemed, by device code.
    pub devices: Mutex<HashMap<String, DeviceGrant>>,
    /// Refresh tokens issued, by token.
    pub refresh: Mutex<HashMap<String, RefreshGrant>>,
    /// Certificates trusted for service principals' client assertions:
    /// (client id, DER).
    pub certificates: Mutex<Vec<(String, Vec<u8>)>>,
    /// Requests the throttled scenario has answered 429 once already.
    pub throttled_seen: Mutex<HashSet<String>>,
    /// Added before every answer (benchmarks: a far-away service).
    pub latency: Duration,
    /// Requests answered so far.
    pub requests: AtomicU64,
    /// Applied to every request without a `/_fault/…` prefix (changed at
    /// run time by [`super::Sandbox::set_fault`]).
    pub fault: Mutex<Option<Fault>>,
    /// When each request was served (round-trip counts).
    pub log: RequestLog,
}

impl State {
    pub fn new(
        cat: SharedCatalog,
        addr: SocketAddr,
        approve_after: Duration,
        latency: Duration,
        fault: Option<Fault>,
    ) -> State {
        State {
            cat,
            base: format!("http://{addr}"),
            port: addr.port(),
            approve_after,
            process_id: random_guid(),
            sign_key: (random_u64(), random_u64()),
            devices: Mutex::new(HashMap::new()),
            refresh: Mutex::new(HashMap::new()),
            certificates: Mutex::new(Vec::new()),
            throttled_seen: Mutex::new(HashSet::new()),
            latency,
            requests: AtomicU64::new(0),
            fault: Mutex::new(fault),
            log: RequestLog::default(),
        }
    }

    /// Stands for `https://vssps.dev.azure.com`.
    pub fn vssps_url(&self) -> String {
        format!("{}/_vssps", self.base)
    }

    /// Stands for `https://app.vssps.visualstudio.com`.
    pub fn profile_url(&self) -> String {
        format!("{}/_profile", self.base)
    }

    /// Stands for `https://login.microsoftonline.com`.
    pub fn authority_url(&self) -> String {
        format!("{}/_login", self.base)
    }

    /// Stands for `http://169.254.169.254` (instance metadata).
    pub fn imds_url(&self) -> String {
        format!("{}/_imds", self.base)
    }

    /// `{devops}/{org}` or `{base}/tfs/DefaultCollection`.
    pub fn org_url(&self, org: &Org) -> String {
        if org.server {
            format!("{}/tfs/{}", self.base, org.name)
        } else {
            format!("{}/{}", self.base, org.name)
        }
    }

    /// Identity URL on the vssps host.
    pub fn identity_url(&self, org: &Org, id: &str) -> String {
        if org.server {
            format!("{}/_apis/Identities/{id}", self.org_url(org))
        } else {
            format!("{}/{}/_apis/Identities/{id}", self.vssps_url(), org.name)
        }
    }
}

/// A pending device code.
#[derive(Debug, Clone)]
pub(crate) struct DeviceGrant {
    pub user_code: String,
    pub client_id: String,
    pub scope: String,
    pub tid: String,
    pub issued: Instant,
    pub last_poll: Option<Instant>,
    pub interval: u64,
    /// How long the code is valid (`expires_in`).
    pub lifetime: Duration,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub scope: String,
    pub tid: String,
    pub person: usize,
}
