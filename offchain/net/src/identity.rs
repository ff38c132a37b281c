//! The node's libp2p identity: an ed25519 key kept in a file, created on first run, so a restarted node keeps its
//! peer id (peers, the Whitelist's endpoints and hub announcements name it).

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use libp2p::identity::Keypair;
use tracing::info;

use crate::{NetError, Result};

/// Reads the key in `path`, or creates one there (mode 0600, parent directories as needed) if there is none.
///
/// The file holds the key in libp2p's protobuf encoding. A key file that others may read (any of the mode bits
/// 0o077) is refused, as ssh refuses a private key others can read: whoever holds it can speak as this node.
pub fn load_or_create(path: &Path) -> Result<Keypair> {
    let err = |reason: String| NetError::KeyFile {
        path: path.to_owned(),
        reason,
    };
    match fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(err(format!(
                    "others may read it (mode {mode:o}): run `chmod 600 {}`",
                    path.display()
                )));
            }
            let bytes = fs::read(path).map_err(|e| err(e.to_string()))?;
            let key = Keypair::from_protobuf_encoding(&bytes)
                .map_err(|e| err(format!("not a libp2p key: {e}")))?;
            info!(path = %path.display(), peer = %key.public().to_peer_id(), "identity loaded");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir)
                    .map_err(|e| err(format!("cannot create its directory: {e}")))?;
            }
            let key = Keypair::generate_ed25519();
            let bytes = key
                .to_protobuf_encoding()
                .map_err(|e| err(format!("cannot encode the new key: {e}")))?;
            // Written beside the target and renamed, so a crash never leaves half a key behind; created 0600 so the
            // secret is never readable by others, not even for a moment.
            let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
            let write = || -> std::io::Result<()> {
                let mut f = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&tmp)?;
                f.write_all(&bytes)?;
                f.sync_all()?;
                fs::rename(&tmp, path)
            };
            if let Err(e) = write() {
                let _ = fs::remove_file(&tmp);
                return Err(err(format!("cannot write a new key: {e}")));
            }
            info!(path = %path.display(), peer = %key.public().to_peer_id(), "identity created");
            Ok(key)
        }
        Err(e) => Err(err(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("sonm-net-id-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_key_is_created_once_with_mode_0600_and_read_back() {
        let d = dir("create");
        let path = d.join("keys/node.key");
        let first = load_or_create(&path).expect("create");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create(&path).expect("load");
        assert_eq!(first.public().to_peer_id(), again.public().to_peer_id());
        let _ = fs::remove_dir_all(d);
    }

    #[test]
    fn a_key_others_can_read_is_refused() {
        let d = dir("open");
        let path = d.join("node.key");
        load_or_create(&path).expect("create");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = load_or_create(&path).expect_err("world-readable key");
        assert!(e.to_string().contains("chmod 600"), "{e}");
        let _ = fs::remove_dir_all(d);
    }

    #[test]
    fn a_file_that_is_not_a_key_is_refused() {
        let d = dir("junk");
        fs::create_dir_all(&d).expect("dir");
        let path = d.join("node.key");
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(b"not a key"))
            .expect("write");
        let e = load_or_create(&path).expect_err("junk");
        assert!(e.to_string().contains("not a libp2p key"), "{e}");
        let _ = fs::remove_dir_all(d);
    }
}
