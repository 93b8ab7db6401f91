//! ID tokens: JSON Web Tokens signed by the provider with a key from its
//! published key set (JWKS), checked with `ring`.
//!
//! Only asymmetric signatures are accepted (RSA PKCS#1 and PSS, ECDSA on
//! P-256 and P-384, Ed25519): `none` and HMAC algorithms never are, and the
//! key's type must fit the algorithm the token names.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token is signed with an algorithm that is not accepted")]
    Algorithm,
    #[error("no key of the provider's key set fits the token")]
    UnknownKey,
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token was issued by someone else")]
    Issuer,
    #[error("the token was issued for another client")]
    Audience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's nonce is not the one this sign-in sent")]
    Nonce,
    #[error("the token names no subject")]
    Subject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    EdDsa,
}

impl Alg {
    fn parse(name: &str) -> Option<Alg> {
        Some(match name {
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            "EdDSA" => Alg::EdDsa,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyMaterial {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// An uncompressed point (0x04, x, y) on the named curve.
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
}

/// One public key of a provider's key set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    kid: Option<String>,
    alg: Option<String>,
    key: KeyMaterial,
}

fn b64(value: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).ok()
}

fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    object.get(name).and_then(Value::as_str)
}

impl Jwk {
    fn parse(object: &Map<String, Value>) -> Option<Jwk> {
        // Keys meant for encryption never verify signatures.
        if field(object, "use").is_some_and(|u| u != "sig") {
            return None;
        }
        let key = match field(object, "kty")? {
            "RSA" => {
                let n = b64(field(object, "n")?)?;
                let e = b64(field(object, "e")?)?;
                let start = n.iter().position(|b| *b != 0).unwrap_or(n.len());
                KeyMaterial::Rsa {
                    n: n[start..].to_vec(),
                    e,
                }
            }
            "EC" => {
                let (curve, size) = match field(object, "crv")? {
                    "P-256" => (Curve::P256, 32),
                    "P-384" => (Curve::P384, 48),
                    _ => return None,
                };
                let x = b64(field(object, "x")?)?;
                let y = b64(field(object, "y")?)?;
                if x.len() != size || y.len() != size {
                    return None;
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                KeyMaterial::Ec { curve, point }
            }
            "OKP" if field(object, "crv")? == "Ed25519" => {
                KeyMaterial::Ed25519(b64(field(object, "x")?)?)
            }
            _ => return None,
        };
        Some(Jwk {
            kid: field(object, "kid").map(str::to_string),
            alg: field(object, "alg").map(str::to_string),
            key,
        })
    }

    fn fits(&self, alg: Alg, alg_name: &str) -> bool {
        if self.alg.as_deref().is_some_and(|a| a != alg_name) {
            return false;
        }
        match (&self.key, alg) {
            (
                KeyMaterial::Rsa { .. },
                Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512,
            ) => true,
            (KeyMaterial::Ec { curve, .. }, Alg::Es256) => *curve == Curve::P256,
            (KeyMaterial::Ec { curve, .. }, Alg::Es384) => *curve == Curve::P384,
            (KeyMaterial::Ed25519(_), Alg::EdDsa) => true,
            _ => false,
        }
    }

    fn verifies(&self, alg: Alg, message: &[u8], sig: &[u8]) -> bool {
        match &self.key {
            KeyMaterial::Rsa { n, e } => {
                let params: &signature::RsaParameters = match alg {
                    Alg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Alg::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Alg::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    Alg::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Alg::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Alg::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
                    _ => return false,
                };
                RsaPublicKeyComponents { n, e }
                    .verify(params, message, sig)
                    .is_ok()
            }
            KeyMaterial::Ec { curve, point } => {
                let algorithm = match (curve, alg) {
                    (Curve::P256, Alg::Es256) => &signature::ECDSA_P256_SHA256_FIXED,
                    (Curve::P384, Alg::Es384) => &signature::ECDSA_P384_SHA384_FIXED,
                    _ => return false,
                };
                UnparsedPublicKey::new(algorithm, point)
                    .verify(message, sig)
                    .is_ok()
            }
            KeyMaterial::Ed25519(key) => UnparsedPublicKey::new(&signature::ED25519, key)
                .verify(message, sig)
                .is_ok(),
        }
    }
}

/// The usable signing keys of a JWKS document; others are skipped.
pub fn parse_jwks(document: &Map<String, Value>) -> Vec<Jwk> {
    document
        .get("keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(Value::as_object)
                .filter_map(Jwk::parse)
                .collect()
        })
        .unwrap_or_default()
}

/// A JWT split into its parts, not verified yet.
pub struct Jwt<'a> {
    alg: Alg,
    alg_name: String,
    kid: Option<String>,
    signing_input: &'a str,
    signature: Vec<u8>,
    pub claims: Map<String, Value>,
}

impl<'a> Jwt<'a> {
    pub fn parse(token: &'a str) -> Result<Jwt<'a>, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let object = |part: &str| -> Result<Map<String, Value>, JwtError> {
            let bytes = b64(part).ok_or(JwtError::Malformed)?;
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(JwtError::Malformed),
            }
        };
        let header = object(header)?;
        let claims = object(payload)?;
        let alg_name = field(&header, "alg").ok_or(JwtError::Malformed)?;
        let alg = Alg::parse(alg_name).ok_or(JwtError::Algorithm)?;
        // A critical extension we do not understand must not be ignored.
        if header.contains_key("crit") {
            return Err(JwtError::Algorithm);
        }
        let signature = b64(signature).ok_or(JwtError::Malformed)?;
        let signing_input = &token[..header_len(token)];
        Ok(Jwt {
            alg,
            alg_name: alg_name.to_string(),
            kid: field(&header, "kid").map(str::to_string),
            signing_input,
            signature,
            claims,
        })
    }

    /// Checks the signature with the fitting key of `keys` (the one named by
    /// the token's `kid`, or any of the right type when it names none).
    pub fn verify(&self, keys: &[Jwk]) -> Result<(), JwtError> {
        let candidates: Vec<&Jwk> = keys
            .iter()
            .filter(|k| self.kid.is_none() || k.kid == self.kid)
            .filter(|k| k.fits(self.alg, &self.alg_name))
            .collect();
        if candidates.is_empty() {
            return Err(JwtError::UnknownKey);
        }
        let message = self.signing_input.as_bytes();
        if candidates
            .iter()
            .any(|k| k.verifies(self.alg, message, &self.signature))
        {
            Ok(())
        } else {
            Err(JwtError::BadSignature)
        }
    }
}

/// The length of `header.payload`, the part a JWS signature covers.
fn header_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

/// What an ID token must say to be accepted.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Now, in seconds since 1970.
    pub now: i64,
    /// How far apart the provider's clock and ours may be, in seconds.
    pub leeway: i64,
}

fn number(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    value
        .as_i64()
        // Seconds may be written with a fraction; whole seconds suffice.
        .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

/// Checks the claims of a verified ID token (OpenID Connect Core 3.1.3.7)
/// and returns its subject.
pub fn check_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<String, JwtError> {
    if field(claims, "iss") != Some(expected.issuer) {
        return Err(JwtError::Issuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == expected.client_id,
        Some(Value::Array(auds)) => {
            auds.iter().any(|a| a.as_str() == Some(expected.client_id))
                // With several audiences, the authorised party must be us.
                && (auds.len() == 1
                    || field(claims, "azp") == Some(expected.client_id))
        }
        _ => false,
    };
    if !audience_ok || field(claims, "azp").is_some_and(|azp| azp != expected.client_id) {
        return Err(JwtError::Audience);
    }
    let exp = number(claims, "exp").ok_or(JwtError::Expired)?;
    if expected.now > exp.saturating_add(expected.leeway) {
        return Err(JwtError::Expired);
    }
    let iat = number(claims, "iat").ok_or(JwtError::NotYetValid)?;
    if iat > expected.now.saturating_add(expected.leeway) {
        return Err(JwtError::NotYetValid);
    }
    if let Some(nbf) = number(claims, "nbf")
        && nbf > expected.now.saturating_add(expected.leeway)
    {
        return Err(JwtError::NotYetValid);
    }
    let nonce = field(claims, "nonce").unwrap_or("");
    if !forge_core::secret::constant_time_eq(nonce, expected.nonce) {
        return Err(JwtError::Nonce);
    }
    match field(claims, "sub") {
        Some(sub) if !sub.is_empty() && sub.len() <= 255 => Ok(sub.to_string()),
        _ => Err(JwtError::Subject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://id.example.org",
            client_id: "forge",
            nonce: "n-0S6",
            now: 1_000_000,
            leeway: 60,
        }
    }

    fn good() -> Value {
        json!({
            "iss": "https://id.example.org", "aud": "forge", "sub": "alice",
            "exp": 1_000_300, "iat": 999_990, "nonce": "n-0S6"
        })
    }

    fn with(key: &str, value: Value) -> Map<String, Value> {
        let mut map = claims(good());
        map.insert(key.to_string(), value);
        map
    }

    #[test]
    fn good_claims_give_the_subject() {
        assert_eq!(
            check_claims(&claims(good()), &expected()),
            Ok("alice".into())
        );
        let several = with("aud", json!(["forge", "other"]));
        assert_eq!(check_claims(&several, &expected()), Err(JwtError::Audience));
        let mut several = several;
        several.insert("azp".into(), json!("forge"));
        assert!(check_claims(&several, &expected()).is_ok());
    }

    #[test]
    fn each_wrong_claim_is_named() {
        let e = expected();
        assert_eq!(
            check_claims(&with("iss", json!("https://evil")), &e),
            Err(JwtError::Issuer)
        );
        assert_eq!(
            check_claims(&with("aud", json!("other")), &e),
            Err(JwtError::Audience)
        );
        assert_eq!(
            check_claims(&with("aud", json!(["other"])), &e),
            Err(JwtError::Audience)
        );
        assert_eq!(
            check_claims(&with("exp", json!(999_000)), &e),
            Err(JwtError::Expired)
        );
        // Within the leeway, a token just expired is still accepted.
        assert!(check_claims(&with("exp", json!(999_950)), &e).is_ok());
        assert_eq!(
            check_claims(&with("iat", json!(1_000_500)), &e),
            Err(JwtError::NotYetValid)
        );
        assert_eq!(
            check_claims(&with("nonce", json!("other")), &e),
            Err(JwtError::Nonce)
        );
        assert_eq!(
            check_claims(&with("sub", json!("")), &e),
            Err(JwtError::Subject)
        );
        let mut no_nonce = claims(good());
        no_nonce.remove("nonce");
        assert_eq!(check_claims(&no_nonce, &e), Err(JwtError::Nonce));
    }

    #[test]
    fn unsigned_and_hmac_tokens_are_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        let token = format!("{header}.{payload}.");
        assert_eq!(Jwt::parse(&token).err(), Some(JwtError::Algorithm));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let token = format!("{header}.{payload}.c2ln");
        assert_eq!(Jwt::parse(&token).err(), Some(JwtError::Algorithm));
        assert_eq!(Jwt::parse("a.b").err(), Some(JwtError::Malformed));
    }

    #[test]
    fn an_unknown_kid_is_told_apart_from_a_bad_signature() {
        let jwks = claims(json!({"keys": [
            {"kty": "RSA", "kid": "a", "n": URL_SAFE_NO_PAD.encode([0xc5u8; 256]), "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "oct", "kid": "h", "k": "c2VjcmV0"}
        ]}));
        let keys = parse_jwks(&jwks);
        assert_eq!(keys.len(), 1);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"a"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        let sig = URL_SAFE_NO_PAD.encode([1u8; 256]);
        let token = format!("{header}.{payload}.{sig}");
        let jwt = Jwt::parse(&token).expect("a well-formed token");
        assert_eq!(jwt.verify(&keys), Err(JwtError::BadSignature));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"b"}"#);
        let token = format!("{header}.{payload}.{sig}");
        let jwt = Jwt::parse(&token).expect("a well-formed token");
        assert_eq!(jwt.verify(&keys), Err(JwtError::UnknownKey));
        // An RSA key never checks an ECDSA signature.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","kid":"a"}"#);
        let token = format!("{header}.{payload}.{sig}");
        let jwt = Jwt::parse(&token).expect("a well-formed token");
        assert_eq!(jwt.verify(&keys), Err(JwtError::UnknownKey));
    }
}
