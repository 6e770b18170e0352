//! Small, dependency-free helpers for the sandbox: deterministic GUIDs,
//! randomness for secrets, base64, percent-encoding, query/form parsing and
//! calendar arithmetic.
//!
//! Contract: every function here is total — malformed input yields `None`
//! (or a lossy but safe result), never a panic.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// FNV-1a, 64 bit. Stable across runs and platforms (unlike `DefaultHasher`).
pub fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The splitmix64 finaliser: spreads the bits of `x`.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Formats 16 bytes as a lowercase, version-4-looking GUID.
fn format_guid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A GUID derived deterministically from `seed` (same seed, same GUID, on
/// every run and machine).
pub fn guid_from(seed: &str) -> String {
    let h1 = splitmix64(fnv1a64(seed.as_bytes()));
    let h2 = splitmix64(h1 ^ 0x5bd1_e995_1234_5678);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&h1.to_be_bytes());
    b[8..].copy_from_slice(&h2.to_be_bytes());
    format_guid(b)
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// 64 unpredictable bits (per-process random keys mixed with a counter and
/// the clock). Good enough for activity ids, device codes and test tokens.
pub fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    splitmix64(h.finish())
}

/// A random GUID.
pub fn random_guid() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&random_u64().to_be_bytes());
    b[8..].copy_from_slice(&random_u64().to_be_bytes());
    format_guid(b)
}

/// `n` random characters from `alphabet` (which must not be empty).
pub fn random_string(alphabet: &[u8], n: usize) -> String {
    let mut out = String::with_capacity(n);
    if alphabet.is_empty() {
        return out;
    }
    let mut bits = random_u64();
    for i in 0..n {
        if i % 8 == 0 {
            bits = random_u64();
        }
        let idx = (bits & 0xff) as usize % alphabet.len();
        bits >>= 8;
        out.push(char::from(alphabet[idx]));
    }
    out
}

/// True for the canonical 8-4-4-4-12 hexadecimal GUID form (any case).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    b.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

/// The base64 alphabets of RFC 4648: §4 (standard) and §5 (URL and file
/// name safe).
const B64_STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The sandbox's own base64 (RFC 4648), written apart from the client's so
/// that a bug in one cannot hide a bug in the other: the sandbox decodes
/// what the product encodes (Basic credentials, JWT segments) with this.
fn b64_encode_with(input: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for group in input.chunks(3) {
        // 24 bits, left-aligned; missing bytes are zero.
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = group.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 0x3f) as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4), as in `Authorization: Basic`
/// (the tests' side of the RFC vectors; the sandbox only decodes it).
#[cfg(test)]
pub fn b64_encode(input: &[u8]) -> String {
    b64_encode_with(input, B64_STANDARD, true)
}

/// base64url without padding (RFC 4648 §5), as JWTs use.
pub fn b64url_encode(input: &[u8]) -> String {
    b64_encode_with(input, B64_URL, false)
}

/// The value of one base64 character in either alphabet.
fn b64_value(c: u8) -> Option<u32> {
    B64_STANDARD
        .iter()
        .position(|a| *a == c)
        .or_else(|| B64_URL.iter().position(|a| *a == c))
        .map(|v| v as u32)
}

/// Decodes base64 or base64url (RFC 4648 §4 and §5), padded or not. `None`
/// for anything else: a character outside the alphabets (whitespace
/// included), padding that does not complete the last group of four, a
/// length no encoding produces, or non-zero bits after the last byte
/// (a non-canonical encoding).
pub fn b64_decode(input: &str) -> Option<Vec<u8>> {
    let bytes = input.as_bytes();
    let data_len = bytes.iter().rposition(|c| *c != b'=').map_or(0, |i| i + 1);
    let padding = bytes.len() - data_len;
    if padding > 2 || (padding > 0 && !bytes.len().is_multiple_of(4)) || data_len % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data_len / 4 * 3 + 2);
    for group in bytes[..data_len].chunks(4) {
        let mut n = 0u32;
        for (i, c) in group.iter().enumerate() {
            n |= b64_value(*c)? << (18 - 6 * i);
        }
        let whole = group.len() - 1;
        let spare = n & (0x00ff_ffff >> (8 * whole));
        if spare != 0 {
            return None;
        }
        for i in 0..whole {
            out.push(((n >> (16 - 8 * i)) & 0xff) as u8);
        }
    }
    Some(out)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s` (and `+` as space when `plus_is_space`). `None` on a
/// broken escape or invalid UTF-8.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = hex_val(*b.get(i + 1)?)?;
                let lo = hex_val(*b.get(i + 2)?)?;
                out.push(hi * 16 + lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes one path segment (everything but unreserved characters).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses `a=1&b=x%20y` (query strings and form bodies). `None` when an
/// escape is broken.
pub fn parse_pairs(q: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for part in q.split('&') {
        if part.is_empty() {
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.push((percent_decode(k, true)?, percent_decode(v, true)?));
    }
    Some(out)
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date for a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DD` into a day number.
pub fn parse_ymd(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `2026-01-05T00:00:00Z` for a day number.
pub fn date_string(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// RFC 3339 UTC timestamp with milliseconds for a Unix time in ms.
pub fn rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// The current time as RFC 3339 with milliseconds.
pub fn now_rfc3339() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    rfc3339_ms(ms)
}

/// Case-insensitive `*` wildcard match (project property `keys` filter).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[allow(clippy::expect_used, clippy::unwrap_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_deterministic_and_well_formed() {
        let a = guid_from("x");
        assert_eq!(a, guid_from("x"));
        assert_ne!(a, guid_from("y"));
        assert!(is_guid(&a));
        assert_eq!(&a[14..15], "4");
        assert!(is_guid(&random_guid()));
        assert!(!is_guid("not-a-guid"));
    }

    /// RFC 4648 §10 test vectors, both ways, padded and not, in both
    /// alphabets; and what a decoder must refuse.
    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        let vectors: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(b64_encode(plain), encoded);
            assert_eq!(b64url_encode(plain), encoded.trim_end_matches('='));
            assert_eq!(b64_decode(encoded).as_deref(), Some(plain), "{encoded}");
            let unpadded = encoded.trim_end_matches('=');
            assert_eq!(b64_decode(unpadded).as_deref(), Some(plain), "{unpadded}");
        }
        // The two alphabets differ in 62 and 63 only.
        assert_eq!(b64_encode(&[0xfb, 0xff]), "+/8=");
        assert_eq!(b64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(b64_decode("+/8=").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(b64_decode("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        // Every byte value survives.
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(b64_decode(&b64_encode(&all)).as_deref(), Some(&all[..]));
        assert_eq!(b64_decode(&b64url_encode(&all)).as_deref(), Some(&all[..]));
        for bad in [
            "Z", "Zg=", "Zg===", "Zm9v=", "Zm=9", "Zm 9v", "Zm9v\n", "Zh==", "Zm9=", "Zm9v*",
        ] {
            assert!(b64_decode(bad).is_none(), "{bad:?} accepted");
        }
    }

    /// The sandbox and the client agree on every input (each written on
    /// its own, so a shared bug would have to be made twice).
    #[test]
    fn base64_agrees_with_the_clients_codec() {
        for len in 0..40usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let ours = b64url_encode(&data);
            assert_eq!(ours, crate::ado::models::base64url_encode(&data));
            assert_eq!(
                crate::ado::models::base64url_decode(&ours).as_deref(),
                Some(&data[..])
            );
        }
    }

    #[test]
    fn base64_round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar", ":pat"] {
            let u = b64url_encode(s.as_bytes());
            assert_eq!(b64_decode(&u).as_deref(), Some(s.as_bytes()));
        }
        // Standard, padded base64 as in a Basic Authorization header.
        assert_eq!(b64_decode("Zm9vYmFy").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(b64_decode("Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(b64_decode("Pz8+").as_deref(), Some(&b"??>"[..]));
        assert!(b64_decode("a b").is_none());
        assert!(b64_decode("A").is_none());
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("a%20b", false).as_deref(), Some("a b"));
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert!(percent_decode("%zz", false).is_none());
        assert!(percent_decode("%4", false).is_none());
        assert!(percent_decode("%ff", false).is_none());
        assert_eq!(encode_segment("Sprint 1"), "Sprint%201");
    }

    #[test]
    fn calendar_arithmetic() {
        let d = days_from_civil(2026, 1, 5);
        assert_eq!(civil_from_days(d), (2026, 1, 5));
        assert_eq!(date_string(d + 14), "2026-01-19T00:00:00Z");
        assert_eq!(
            parse_ymd("2024-02-29").map(date_string).as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        assert!(parse_ymd("2024-13-01").is_none());
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(
            "*SourceControl*",
            "System.SourceControlGitEnabled"
        ));
        assert!(wildcard_match("system.process*", "System.Process Template"));
        assert!(!wildcard_match("System.X", "System.Y"));
    }
}
