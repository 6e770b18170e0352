//! When each request was served: the start and end of every answer, so a
//! benchmark or a test can count the sequential round trips a run made (a
//! count, independent of how long each took).

use std::sync::Mutex;
use std::time::Instant;

/// One request as the sandbox served it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRequest {
    pub method: String,
    /// The path (no query).
    pub path: String,
    /// When the request arrived.
    pub start: Instant,
    /// When its answer was ready (after any added latency).
    pub end: Instant,
}

/// Every request served, in arrival order.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    served: Mutex<Vec<ServedRequest>>,
}

impl RequestLog {
    pub fn push(&self, r: ServedRequest) {
        match self.served.lock() {
            Ok(mut v) => v.push(r),
            Err(poisoned) => poisoned.into_inner().push(r),
        }
    }

    pub fn len(&self) -> usize {
        match self.served.lock() {
            Ok(v) => v.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        }
    }

    pub fn since(&self, from: usize) -> Vec<ServedRequest> {
        let copy = |v: &Vec<ServedRequest>| v.get(from..).map(<[_]>::to_vec).unwrap_or_default();
        match self.served.lock() {
            Ok(v) => copy(&v),
            Err(poisoned) => copy(&poisoned.into_inner()),
        }
    }
}

/// The sequential round trips among `requests`: the longest chain in which
/// each request arrived only after the one before it was answered.
/// Requests in flight at the same time count once.
pub fn round_trips(requests: &[ServedRequest]) -> usize {
    let mut sorted: Vec<&ServedRequest> = requests.iter().collect();
    sorted.sort_by_key(|r| r.start);
    // depth[i]: the longest chain ending with sorted[i].
    let mut depth: Vec<usize> = Vec::with_capacity(sorted.len());
    for (i, r) in sorted.iter().enumerate() {
        let before = sorted[..i]
            .iter()
            .zip(&depth)
            .filter(|(q, _)| q.end <= r.start)
            .map(|(_, d)| *d)
            .max()
            .unwrap_or(0);
        depth.push(before + 1);
    }
    depth.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(t0: Instant, from: u64, to: u64) -> ServedRequest {
        ServedRequest {
            method: "GET".into(),
            path: "/".into(),
            start: t0 + Duration::from_millis(from),
            end: t0 + Duration::from_millis(to),
        }
    }

    #[test]
    fn overlapping_requests_are_one_round_trip_and_a_chain_counts_each() {
        let t0 = Instant::now();
        assert_eq!(round_trips(&[]), 0);
        // Three at once, then two at once, then one.
        let run = [
            at(t0, 0, 100),
            at(t0, 1, 101),
            at(t0, 2, 102),
            at(t0, 103, 203),
            at(t0, 104, 204),
            at(t0, 205, 305),
        ];
        assert_eq!(round_trips(&run), 3);
        // One long request beside a chain of three short ones: three.
        let side = [
            at(t0, 0, 300),
            at(t0, 0, 50),
            at(t0, 60, 100),
            at(t0, 110, 150),
        ];
        assert_eq!(round_trips(&side), 3);
    }
}
