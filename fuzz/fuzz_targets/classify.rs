//! Fuzzes the response classifier `ado_setup::ado::error::classify`: any
//! status, content type, `Location` and body an HTTP answer can carry must
//! give a verdict (and a message, a code and a fix), never a panic.
//!
//! Input layout: 2 bytes status (big-endian), 1 byte content-type choice,
//! 1 byte length of the `Location` header, that many bytes of it, the rest
//! the body.

#![no_main]

use ado_setup::ado::error::{Answer, SupportIds, classify};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [Option<&str>; 5] = [
    None,
    Some("application/json; charset=utf-8"),
    Some("text/html; charset=utf-8"),
    Some("TEXT/HTML"),
    Some("text/plain"),
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let content_type = CONTENT_TYPES[usize::from(data[2]) % CONTENT_TYPES.len()];
    let rest = &data[4..];
    let loc_len = usize::from(data[3]).min(rest.len());
    let (location, body) = rest.split_at(loc_len);
    let location = std::str::from_utf8(location).ok().filter(|l| !l.is_empty());
    let answer = Answer {
        status,
        host: "dev.azure.com",
        content_type,
        location,
        ids: SupportIds::default(),
        body,
    };
    match classify(answer) {
        Ok(()) => assert!((200..300).contains(&status) && status != 203),
        Err(e) => {
            assert!(!e.code().is_empty());
            let _ = (e.to_string(), e.fix(), e.status(), e.support_ids());
        }
    }
});
