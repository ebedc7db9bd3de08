//! What a webhook delivery promises its receiver, and where deliveries may go.
//!
//! Every delivery is a `POST` of the event's JSON with the header
//! `X-DJCRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
//! keyed by the endpoint's secret. A receiver recomputes the HMAC over the raw body
//! it got, compares in constant time, and refuses a `t` too far from its clock
//! (a replayed delivery).
//!
//! Targets must be public: an address in a loopback, private, link-local or other
//! non-global range is refused unless the operator allows private targets, so an
//! organizer cannot make the server call into its own network.

mod endpoints;

pub use endpoints::{CreateWebhookRequest, MAX_WEBHOOKS, UpdateWebhookRequest};

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ring::hmac;

use crate::tokens::hex;

/// The header that carries a delivery's signature.
pub const SIGNATURE_HEADER: &str = "X-DJCRM-Signature";

/// The value of [`SIGNATURE_HEADER`] for `body` sent at `timestamp` (unix seconds)
/// to an endpoint whose secret is `secret`.
#[must_use]
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut context = hmac::Context::with_key(&key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    format!("t={timestamp},v1={}", hex(context.sign().as_ref()))
}

/// Whether a delivery may go to `address` when private targets are not allowed:
/// only globally routable unicast addresses.
#[must_use]
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| is_public_v6(v6), is_public_v4),
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, ..] = address.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier NAT
    let this_network = a == 0;
    let reserved = a >= 240;
    !(address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_multicast()
        || address.is_broadcast()
        || address.is_documentation()
        || shared
        || this_network
        || reserved)
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let documentation = address.segments()[0] == 0x2001 && address.segments()[1] == 0x0db8;
    !(address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        || address.is_unique_local()
        || address.is_unicast_link_local()
        || documentation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_the_timestamp_a_dot_and_the_body() {
        // Computed independently: Python's hmac.new(b"whsec_test",
        // b'1764072000.{"type":"lead.created"}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"whsec_test", 1_764_072_000, br#"{"type":"lead.created"}"#),
            "t=1764072000,v1=a2a45d6b5c35c4bf3aed1207c2cd5ce5458ec482f6ab831d852ac9af62c65afa"
        );
    }

    #[test]
    fn another_body_has_another_signature() {
        assert_ne!(
            signature(b"whsec_test", 1, b"{}"),
            signature(b"whsec_test", 1, b"{ }")
        );
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(is_public(address.parse().expect("an address")), "{address}");
        }
    }

    #[test]
    fn loopback_private_and_link_local_addresses_are_refused() {
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
        ] {
            assert!(
                !is_public(address.parse().expect("an address")),
                "{address}"
            );
        }
    }
}
