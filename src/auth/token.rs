//! Opaque random secrets (API tokens, session cookies). Only their SHA-256 is stored, so
//! a leaked database does not leak usable tokens.

use rand::RngCore;
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "clsr_";

pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", hex::encode(bytes))
}

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_random_and_digests_stable() {
        let (a, b) = (super::generate(), super::generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 5 + 64);
        assert_eq!(super::digest(&a), super::digest(&a));
        assert_ne!(super::digest(&a), super::digest(&b));
    }
}
