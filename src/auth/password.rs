//! Passwords hashed with argon2id (PHC string, parameters and salt inside).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LENGTH: usize = 10;

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Argon2 runs at most this many at once (each takes 19 MiB for a good part of a
/// second): a flood of logins waits in line instead of growing the server's memory.
static EN_COURS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Hash in a blocking thread: argon2 is deliberately slow.
pub async fn hash_async(password: String) -> anyhow::Result<String> {
    let _tour = EN_COURS.acquire().await?;
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

pub async fn verify_async(password: String, phc: String) -> bool {
    let Ok(_tour) = EN_COURS.acquire().await else { return false };
    tokio::task::spawn_blocking(move || verify(&password, &phc)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn argon2id_round_trip() {
        let h = super::hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", &h));
        assert!(!super::verify("wrong horse battery", &h));
        assert!(!super::verify("x", "not a phc string"));
    }
}
