//! SSH signatures (the SSHSIG format of `ssh-keygen -Y sign`) over event
//! hashes: how a signature is stored on a journal line and checked.
//!
//! A line stores the signature's binary blob as one base64 string: the
//! body of the armored `-----BEGIN SSH SIGNATURE-----` text, unwrapped.
//! The signed message is the event's hash as 64 lowercase hex digits, in
//! the `greenlight` namespace, so `ssh-keygen -Y verify -n greenlight`
//! checks a greenlight signature given the hash on its standard input.

use ssh_key::{HashAlg, LineEnding, SshSig};

/// The SSHSIG namespace of event signatures (git uses `git`).
pub const NAMESPACE: &str = "greenlight";

const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";

/// Why a stored signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSignature {
    #[error("the signature is not a readable SSH signature ({0})")]
    Unreadable(String),
    #[error("the signature is for namespace `{0}`, not `greenlight`")]
    Namespace(String),
    #[error("the signature by {0} does not match the event's hash")]
    Mismatch(String),
}

/// The armored text of a stored signature (what `ssh-keygen -Y` reads).
pub fn armor(stored: &str) -> String {
    let mut out = String::with_capacity(stored.len() + stored.len() / 70 + 64);
    out.push_str(BEGIN);
    out.push('\n');
    let bytes = stored.as_bytes();
    for chunk in bytes.chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// The stored form of an armored signature: its base64 body on one line.
pub fn unarmor(armored: &str) -> Result<String, BadSignature> {
    let body = armored
        .trim()
        .strip_prefix(BEGIN)
        .and_then(|b| b.strip_suffix(END))
        .ok_or_else(|| BadSignature::Unreadable("no SSH SIGNATURE armor".into()))?;
    let stored: String = body.split_whitespace().collect();
    if stored.is_empty() || !stored.bytes().all(is_base64) {
        return Err(BadSignature::Unreadable("the armor holds no base64".into()));
    }
    Ok(stored)
}

/// Base64 (standard alphabet, padded) as signatures are stored.
pub fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// Parse a stored signature: the armor's base64 body, decoded directly
/// (the same bytes `SshSig::from_pem` reads, without the round trip).
pub fn decode(stored: &str) -> Result<SshSig, BadSignature> {
    use base64::Engine as _;
    use ssh_encoding::Decode as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .map_err(|e| BadSignature::Unreadable(e.to_string()))?;
    let mut reader = bytes.as_slice();
    let sig = SshSig::decode(&mut reader).map_err(|e| BadSignature::Unreadable(e.to_string()))?;
    if !reader.is_empty() {
        return Err(BadSignature::Unreadable("bytes after the signature".into()));
    }
    Ok(sig)
}

/// The stored form of a signature made in this process.
pub fn encode(sig: &SshSig) -> Result<String, BadSignature> {
    let pem = sig
        .to_pem(LineEnding::LF)
        .map_err(|e| BadSignature::Unreadable(e.to_string()))?;
    unarmor(&pem)
}

/// The SHA256 fingerprint (`SHA256:…`, as `ssh-keygen -l` prints it) of
/// the key that made a signature.
pub fn fingerprint(sig: &SshSig) -> String {
    sig.public_key().fingerprint(HashAlg::Sha256).to_string()
}

/// Check a stored signature over `message`; returns the signature (whose
/// key the caller matches against the allowed signers).
pub fn verify(stored: &str, message: &[u8]) -> Result<SshSig, BadSignature> {
    let (sig, check) = prepare(stored, message)?;
    let holds = match check {
        Check::Ed25519(c) => c.holds(),
        Check::Done(holds) => holds,
    };
    if !holds {
        return Err(BadSignature::Mismatch(fingerprint(&sig)));
    }
    Ok(sig)
}

/// What is left of checking a signature after it was read: an ed25519
/// equation (which many of can be checked at once, see [`holds_all`]), or
/// the answer for other key types.
pub enum Check {
    Ed25519(Box<Ed25519Check>),
    Done(bool),
}

/// An ed25519 SSHSIG as ssh-key checks it: the signed blob (namespace,
/// hash algorithm and the message's hash), the signature, the key.
pub struct Ed25519Check {
    blob: Vec<u8>,
    signature: ed25519_dalek::Signature,
    key: ed25519_dalek::VerifyingKey,
}

impl Ed25519Check {
    pub fn holds(&self) -> bool {
        use ed25519_dalek::Verifier as _;
        self.key.verify(&self.blob, &self.signature).is_ok()
    }
}

/// Whether each check holds. Checked in batches (one multiscalar equation
/// per batch, about twice as fast per signature on this machine's
/// `audit verify`); a batch that fails is checked one by one, so each
/// answer is the single check's.
pub fn holds_all(checks: &[Ed25519Check]) -> Vec<bool> {
    holds_all_ref(&checks.iter().collect::<Vec<_>>())
}

/// [`holds_all`] over borrowed checks.
pub fn holds_all_ref(checks: &[&Ed25519Check]) -> Vec<bool> {
    const BATCH: usize = 128;
    let mut out = Vec::with_capacity(checks.len());
    for batch in checks.chunks(BATCH) {
        let blobs: Vec<&[u8]> = batch.iter().map(|c| c.blob.as_slice()).collect();
        let sigs: Vec<ed25519_dalek::Signature> = batch.iter().map(|c| c.signature).collect();
        let keys: Vec<ed25519_dalek::VerifyingKey> = batch.iter().map(|c| c.key).collect();
        if ed25519_dalek::verify_batch(&blobs, &sigs, &keys).is_ok() {
            // The batch equation holds only when every signature in it
            // does (short of small-order tricks that need the signing key
            // itself, so they forge nothing).
            out.extend(std::iter::repeat_n(true, batch.len()));
        } else {
            out.extend(batch.iter().map(|c| c.holds()));
        }
    }
    out
}

/// Read a stored signature and get it ready to check over `message`:
/// namespace checked, the key decoded (once per thread for ed25519).
pub fn prepare(stored: &str, message: &[u8]) -> Result<(SshSig, Check), BadSignature> {
    let sig = decode(stored)?;
    if sig.namespace() != NAMESPACE {
        return Err(BadSignature::Namespace(sig.namespace().to_string()));
    }
    let check = match sig.public_key() {
        ssh_key::public::KeyData::Ed25519(key) => match ed25519_check(&sig, key.0, message) {
            Some(c) => Check::Ed25519(Box::new(c)),
            None => Check::Done(false),
        },
        _ => {
            let key = ssh_key::PublicKey::from(sig.public_key().clone());
            Check::Done(key.verify(NAMESPACE, message, &sig).is_ok())
        }
    };
    Ok((sig, check))
}

thread_local! {
    /// Decoded ed25519 keys, by their bytes: a session's lines are signed
    /// by a handful of keys, and decoding one (a square root on the curve)
    /// costs a good part of checking a signature.
    static ED25519_KEYS: std::cell::RefCell<Vec<([u8; 32], ed25519_dalek::VerifyingKey)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn ed25519_check(sig: &SshSig, key: [u8; 32], message: &[u8]) -> Option<Ed25519Check> {
    let blob = SshSig::signed_data(sig.namespace(), sig.hash_alg(), message).ok()?;
    let signature = ed25519_dalek::Signature::from_slice(sig.signature_bytes()).ok()?;
    let key = ED25519_KEYS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, vk)) = cache.iter().find(|(k, _)| *k == key) {
            return Some(*vk);
        }
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&key).ok()?;
        if cache.len() >= 64 {
            cache.remove(0);
        }
        cache.push((key, vk));
        Some(vk)
    })?;
    Some(Ed25519Check {
        blob,
        signature,
        key,
    })
}

/// Does an event's signature hold? `Ok(Some(key))` when it is signed by the
/// key it names, `Ok(None)` when it is unsigned and names no key, and the
/// reason otherwise (a signature removed, added, by another key, or not
/// over this hash). Whether the key may sign as the event's person is the
/// session's rules' question.
pub fn check_event(ev: &crate::session::Event) -> Result<Option<String>, String> {
    let hash = ev.hash.to_hex();
    match read_signing(&ev.kind, ev.key(), ev.sig(), hash.as_bytes())? {
        None => Ok(None),
        Some((by, check)) => {
            let holds = match check {
                Check::Ed25519(c) => c.holds(),
                Check::Done(holds) => holds,
            };
            if holds {
                Ok(Some(by))
            } else {
                Err(format!(
                    "{}: {}",
                    crate::text::escape(&ev.kind),
                    BadSignature::Mismatch(by)
                ))
            }
        }
    }
}

/// A line's signing as it stands, up to the equation: the key it names
/// and the signature it carries are both there (or both absent:
/// `Ok(None)`), the signature reads, is in our namespace and is by the
/// named key. The key's fingerprint and what is left to check, else why
/// not. Shared by sync (`check_event`) and `audit verify`, which checks
/// the equations in batches.
pub fn read_signing(
    kind: &str,
    key: Option<&str>,
    stored: Option<&str>,
    hash_hex: &[u8],
) -> Result<Option<(String, Check)>, String> {
    let kind = crate::text::escape(kind);
    match (key, stored) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(format!(
            "{kind} carries a signature its hashed fields do not name: it was added after the event was written"
        )),
        (Some(k), None) => Err(format!(
            "{kind} names signing key {} but has no signature: it was removed",
            crate::text::escape(k)
        )),
        (Some(k), Some(stored)) => {
            let (sig, check) = prepare(stored, hash_hex).map_err(|e| format!("{kind}: {e}"))?;
            let by = fingerprint(&sig);
            if by != k {
                return Err(format!(
                    "{kind} names signing key {} but was signed by {by}",
                    crate::text::escape(k)
                ));
            }
            Ok(Some((by, check)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;

    #[test]
    fn a_batch_answers_each_signature_as_the_single_check_does() {
        let keys: Vec<ed25519_dalek::SigningKey> = (1u8..=3)
            .map(|i| ed25519_dalek::SigningKey::from_bytes(&[i; 32]))
            .collect();
        let mut checks = Vec::new();
        let mut want = Vec::new();
        for i in 0..300usize {
            let key = &keys[i % keys.len()];
            let blob = format!("event {i}").into_bytes();
            let signature = key.sign(&blob);
            // A few signed something else, or by another key.
            let (blob, signer, good) = match i % 97 {
                5 => (b"another event".to_vec(), key.verifying_key(), false),
                6 => (blob, keys[(i + 1) % keys.len()].verifying_key(), false),
                _ => (blob, key.verifying_key(), true),
            };
            checks.push(Ed25519Check {
                blob,
                signature,
                key: signer,
            });
            want.push(good);
        }
        assert_eq!(holds_all(&checks), want);
        let singles: Vec<bool> = checks.iter().map(Ed25519Check::holds).collect();
        assert_eq!(singles, want);
        assert!(holds_all(&[]).is_empty());
    }
}
