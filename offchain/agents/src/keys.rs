//! Keys: from a keystore file or a hex private key held in an environment variable; never from a bare argument.

use std::path::Path;

use alloy::signers::local::PrivateKeySigner;

use crate::{AgentError, Result};

/// The environment variable a hex private key may be given in.
pub const PRIVATE_KEY_ENV: &str = "SONM_PRIVATE_KEY";
/// The environment variable a keystore's password may be given in.
pub const KEYSTORE_PASSWORD_ENV: &str = "SONM_KEYSTORE_PASSWORD";

/// A signer from a hex private key (with or without `0x`), as read from [`PRIVATE_KEY_ENV`].
pub fn signer_from_hex(key: &str) -> Result<PrivateKeySigner> {
    key.trim().parse::<PrivateKeySigner>().map_err(|_| {
        AgentError::BadKey(format!(
            "{PRIVATE_KEY_ENV} is not a private key: expected 32 bytes of hex (0x + 64 digits)"
        ))
    })
}

/// A signer decrypted from a keystore file (the format `cast wallet new` and geth write).
pub fn signer_from_keystore(path: &Path, password: &str) -> Result<PrivateKeySigner> {
    if !path.is_file() {
        return Err(AgentError::BadKey(format!(
            "keystore {} does not exist",
            path.display()
        )));
    }
    PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
        AgentError::BadKey(format!(
            "cannot decrypt keystore {}: {e} (wrong password? set {KEYSTORE_PASSWORD_ENV} or type it at the prompt)",
            path.display()
        ))
    })
}
