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

/// Parse a stored signature.
pub fn decode(stored: &str) -> Result<SshSig, BadSignature> {
    SshSig::from_pem(armor(stored)).map_err(|e| BadSignature::Unreadable(e.to_string()))
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
    let sig = decode(stored)?;
    if sig.namespace() != NAMESPACE {
        return Err(BadSignature::Namespace(sig.namespace().to_string()));
    }
    let key = ssh_key::PublicKey::from(sig.public_key().clone());
    key.verify(NAMESPACE, message, &sig)
        .map_err(|_| BadSignature::Mismatch(fingerprint(&sig)))?;
    Ok(sig)
}

/// Does an event's signature hold? `Ok(Some(key))` when it is signed by the
/// key it names, `Ok(None)` when it is unsigned and names no key, and the
/// reason otherwise (a signature removed, added, by another key, or not
/// over this hash). Whether the key may sign as the event's person is the
/// session's rules' question.
pub fn check_event(ev: &crate::session::Event) -> Result<Option<String>, String> {
    let kind = crate::text::escape(&ev.kind);
    match (ev.key.as_deref(), ev.sig.as_deref()) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(format!(
            "{kind} carries a signature its hashed fields do not name: it was added after the event was written"
        )),
        (Some(k), None) => Err(format!(
            "{kind} names signing key {} but has no signature: it was removed",
            crate::text::escape(k)
        )),
        (Some(k), Some(stored)) => {
            let sig =
                verify(stored, ev.hash.to_hex().as_bytes()).map_err(|e| format!("{kind}: {e}"))?;
            let by = fingerprint(&sig);
            if by != k {
                return Err(format!(
                    "{kind} names signing key {} but was signed by {by}",
                    crate::text::escape(k)
                ));
            }
            Ok(Some(by))
        }
    }
}
