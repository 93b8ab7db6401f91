//! The server's host keys: an Ed25519 and an RSA key in OpenSSH's format,
//! read from a folder of the data folder, or made there on first start (as
//! `ssh-keygen -A` would), readable by the forge's account only. Files
//! made by `ssh-keygen` are read as well, so an operator may bring the
//! keys of an existing server.

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData, RsaKeypair};
use russh::keys::{HashAlg, PrivateKey};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The size of a new RSA host key, in bits.
const RSA_BITS: usize = 3072;

/// The host keys, Ed25519 first.
#[derive(Clone)]
pub struct HostKeys {
    keys: Vec<PrivateKey>,
}

/// One host key as people check it: algorithm and SHA-256 fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub algorithm: String,
    pub fingerprint: String,
}

impl HostKeys {
    /// Reads `ssh_host_ed25519_key` and `ssh_host_rsa_key` in `folder`,
    /// making whichever is missing (the folder too).
    pub fn load_or_create(folder: &Path) -> io::Result<HostKeys> {
        std::fs::create_dir_all(folder)?;
        let ed25519 = load_or_create(&folder.join("ssh_host_ed25519_key"), || {
            let mut rng = rand::rng();
            Ok(KeypairData::from(Ed25519Keypair::random(&mut rng)))
        })?;
        let rsa = load_or_create(&folder.join("ssh_host_rsa_key"), || {
            let mut rng = rand::rng();
            RsaKeypair::random(&mut rng, RSA_BITS)
                .map(KeypairData::from)
                .map_err(io::Error::other)
        })?;
        Ok(HostKeys {
            keys: vec![ed25519, rsa],
        })
    }

    pub fn keys(&self) -> &[PrivateKey] {
        &self.keys
    }

    pub fn fingerprints(&self) -> Vec<Fingerprint> {
        self.keys
            .iter()
            .map(|key| Fingerprint {
                algorithm: key.algorithm().as_str().to_string(),
                fingerprint: key.public_key().fingerprint(HashAlg::Sha256).to_string(),
            })
            .collect()
    }
}

fn load_or_create(
    path: &PathBuf,
    make: impl FnOnce() -> io::Result<KeypairData>,
) -> io::Result<PrivateKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            return PrivateKey::from_openssh(text.trim_end()).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not an OpenSSH private key: {e}", path.display()),
                )
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let key = PrivateKey::new(make()?, "forge host key").map_err(io::Error::other)?;
    let text = key.to_openssh(LineEnding::LF).map_err(io::Error::other)?;
    // Written beside, readable by the owner only, then renamed: a crash
    // leaves either no key or a whole one.
    let partial = path.with_extension("partial");
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, path)?;
    let public = key.public_key().to_openssh().map_err(io::Error::other)?;
    std::fs::write(path.with_extension("pub"), format!("{public}\n"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_then_read_back() {
        let folder = std::env::temp_dir().join(format!(
            "forge-host-keys-{}",
            forge_core::secret::random_hex(6)
        ));
        let made = HostKeys::load_or_create(&folder).expect("making host keys");
        let printed = made.fingerprints();
        assert_eq!(printed.len(), 2);
        assert_eq!(printed[0].algorithm, "ssh-ed25519");
        assert_eq!(printed[1].algorithm, "ssh-rsa");
        assert!(printed.iter().all(|f| f.fingerprint.starts_with("SHA256:")));
        let mode = std::fs::metadata(folder.join("ssh_host_rsa_key"))
            .expect("the key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(folder.join("ssh_host_ed25519_key.pub").exists());
        let read = HostKeys::load_or_create(&folder).expect("reading host keys");
        assert_eq!(read.fingerprints(), printed);
        std::fs::remove_dir_all(&folder).expect("removing the test folder");
    }
}
