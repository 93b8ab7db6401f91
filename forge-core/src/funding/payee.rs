//! Payee details: where a receiving account (a user, or an organisation)
//! wants to be paid. Legal name, postal address, IBAN and BIC, and a note.
//!
//! The account itself edits them (the user, or an owner or treasurer of the
//! organisation). They are shown to the account and to those who owe it
//! money right now: owners and treasurers of an organisation whose share of
//! a goal on one of the account's repositories is called and not yet paid.
//! Nobody else learns whether they exist.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{AccountId, OrgId};
use crate::org::{self, Role};
use crate::outbox::{self, NewEvent};
use crate::user::User;
use serde_json::json;
use sqlx::Row;

/// An account's payee details, as stored (IBAN and BIC in their compact,
/// upper-case form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payee {
    pub account_id: AccountId,
    pub legal_name: String,
    pub address: String,
    pub iban: String,
    pub bic: String,
    pub note: String,
    pub updated_at: i64,
}

impl Payee {
    /// The IBAN in groups of four, as printed on bank documents.
    pub fn iban_grouped(&self) -> String {
        group_iban(&self.iban)
    }
}

/// Payee details as typed.
#[derive(Debug, Clone, Default)]
pub struct PayeeInput {
    pub legal_name: String,
    pub address: String,
    pub iban: String,
    pub bic: String,
    pub note: String,
}

/// IBAN lengths by country, from the ISO 13616 registry.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// Checks an IBAN as typed (spaces allowed, any case) and returns its
/// compact upper-case form: a known country, that country's length, and
/// the ISO 7064 mod-97 check digits.
pub fn parse_iban(typed: &str) -> Result<String> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bad = || Error::invalid("iban", "error-iban");
    if compact.len() < 5 || !compact.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    let country = &compact[..2];
    let Some((_, length)) = IBAN_LENGTHS.iter().find(|(c, _)| *c == country) else {
        return Err(Error::Invalid {
            field: "iban",
            problem: Problem::new("error-iban-country").arg("country", country.to_string()),
        });
    };
    if compact.len() != *length {
        return Err(Error::Invalid {
            field: "iban",
            problem: Problem::new("error-iban-length")
                .arg("country", country.to_string())
                .arg("length", length.to_string()),
        });
    }
    if !compact[2..4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // The country and check digits move to the end; letters count as
    // 10..35; the whole number modulo 97 must be 1. Computed digit by digit
    // so it never overflows.
    let rearranged = compact[4..].bytes().chain(compact[..4].bytes());
    let mut remainder: u32 = 0;
    for byte in rearranged {
        let value = if byte.is_ascii_digit() {
            u32::from(byte - b'0')
        } else {
            u32::from(byte - b'A') + 10
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    if remainder != 1 {
        return Err(Error::invalid("iban", "error-iban-checksum"));
    }
    Ok(compact)
}

/// Checks a BIC (ISO 9362) as typed and returns it upper-case: four
/// letters for the institution, two for the country, two letters or digits
/// for the location, and optionally three for the branch.
pub fn parse_bic(typed: &str) -> Result<String> {
    let bic: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = bic.as_bytes();
    let valid = matches!(bytes.len(), 8 | 11)
        && bytes[..6].iter().all(u8::is_ascii_uppercase)
        && bytes[6..].iter().all(u8::is_ascii_alphanumeric);
    if !valid {
        return Err(Error::invalid("bic", "error-bic"));
    }
    Ok(bic)
}

/// An IBAN in groups of four characters.
pub fn group_iban(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn text(field: &'static str, typed: &str, max: usize, required: bool) -> Result<String> {
    if typed.contains('\0') {
        return Err(Error::invalid(field, "error-text-nul"));
    }
    let trimmed = typed.trim();
    if required && trimmed.is_empty() {
        return Err(Error::invalid(field, "error-payee-required"));
    }
    if trimmed.chars().count() > max {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("error-text-too-long").arg("max", max.to_string()),
        });
    }
    // Line ends are kept as typed by browsers' text areas, made uniform.
    Ok(trimmed.replace("\r\n", "\n"))
}

/// Whether `actor` acts for `account` as a payee: the user themself, or an
/// owner or treasurer of the organisation.
pub async fn manages(db: &Db, actor: &User, account: AccountId) -> Result<bool> {
    if actor.id.0 == account.0 {
        return Ok(true);
    }
    Ok(org::role_of(db, OrgId(account.0), actor.id)
        .await?
        .is_some_and(Role::handles_money))
}

/// Whether `viewer` handles money for an organisation that owes `account`
/// a called share it has not paid in full.
pub async fn owes(db: &Db, viewer: &User, account: AccountId) -> Result<bool> {
    let owing: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pledges p \
         JOIN funding_goals g ON g.id = p.goal_id JOIN repositories r ON r.id = g.repo_id \
         JOIN org_members m ON m.org_id = p.org_id \
         WHERE r.owner_id = $1 AND p.state = 'due' AND m.user_id = $2 AND m.role IN ('owner', 'treasurer')",
    )
    .bind(account.0)
    .bind(viewer.id.0)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    Ok(owing > 0)
}

/// Whether `viewer` may see the payee details of `account`.
pub async fn may_see(db: &Db, viewer: Option<&User>, account: AccountId) -> Result<bool> {
    let Some(viewer) = viewer else {
        return Ok(false);
    };
    Ok(manages(db, viewer, account).await? || owes(db, viewer, account).await?)
}

/// The payee details of `account`, as stored, whoever asks: callers decide
/// who sees them (see [`may_see`], [`for_viewer`]).
pub async fn get(db: &Db, account: AccountId) -> Result<Option<Payee>> {
    let row = sqlx::query(
        "SELECT account_id, legal_name, address, iban, bic, note, updated_at FROM payees WHERE account_id = $1",
    )
    .bind(account.0)
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| {
        Ok(Payee {
            account_id: AccountId(row.try_get("account_id")?),
            legal_name: row.try_get("legal_name")?,
            address: row.try_get("address")?,
            iban: row.try_get("iban")?,
            bic: row.try_get("bic")?,
            note: row.try_get("note")?,
            updated_at: row.try_get("updated_at")?,
        })
    })
    .transpose()
}

/// The payee details of `account` if `viewer` may see them; `None` both
/// when there are none and when the viewer may not know.
pub async fn for_viewer(
    db: &Db,
    viewer: Option<&User>,
    account: AccountId,
) -> Result<Option<Payee>> {
    if !may_see(db, viewer, account).await? {
        return Ok(None);
    }
    get(db, account).await
}

/// Checks payee details as typed.
pub fn check(input: &PayeeInput) -> Result<PayeeInput> {
    Ok(PayeeInput {
        legal_name: text("legal_name", &input.legal_name, 200, true)?,
        address: text("address", &input.address, 1000, true)?,
        iban: parse_iban(&input.iban)?,
        bic: parse_bic(&input.bic)?,
        note: text("note", &input.note, 2000, false)?,
    })
}

/// Records the payee details of `account`, replacing any before; only who
/// manages the account may (others are told it does not exist).
pub async fn save(db: &Db, actor: &User, account: AccountId, input: &PayeeInput) -> Result<Payee> {
    if !manages(db, actor, account).await? {
        return Err(Error::not_found("error-payee-not-found"));
    }
    let checked = check(input)?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO payees (account_id, legal_name, address, iban, bic, note, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id) DO UPDATE SET legal_name = EXCLUDED.legal_name, address = EXCLUDED.address, \
         iban = EXCLUDED.iban, bic = EXCLUDED.bic, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, \
         updated_at = EXCLUDED.updated_at",
    )
    .bind(account.0)
    .bind(&checked.legal_name)
    .bind(&checked.address)
    .bind(&checked.iban)
    .bind(&checked.bic)
    .bind(&checked.note)
    .bind(actor.id.0)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // The details themselves stay out of the log: consumers learn that
    // they changed, and read them with the access rules above.
    outbox::record(
        &mut tx,
        NewEvent {
            kind: outbox::kind::PAYEE_UPDATED,
            actor: Some(actor.id.into()),
            repo: None,
            issue: None,
            payload: json!({ "account": account.0 }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, account)
        .await?
        .ok_or_else(|| Error::Internal("payee details vanished".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ibans_are_accepted_in_compact_form() {
        for (typed, compact) in [
            (
                "FR76 3000 6000 0112 3456 7890 189",
                "FR7630006000011234567890189",
            ),
            ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("GB29NWBK60161331926819", "GB29NWBK60161331926819"),
            ("BE68 5390 0754 7034", "BE68539007547034"),
            ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957"),
            ("NO93 8601 1117 947", "NO9386011117947"),
        ] {
            assert_eq!(parse_iban(typed).ok().as_deref(), Some(compact), "{typed}");
        }
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let error = parse_iban("FR76 3000 6000 0112 3456 7890 188").unwrap_err();
        assert!(
            matches!(&error, Error::Invalid { field: "iban", problem } if problem.key == "error-iban-checksum"),
            "{error:?}"
        );
        // Two digits swapped.
        assert!(parse_iban("DE89 3704 0044 0532 0131 00").is_err());
    }

    #[test]
    fn wrong_lengths_countries_and_characters_are_refused() {
        let key = |typed: &str| match parse_iban(typed) {
            Err(Error::Invalid { problem, .. }) => problem.key,
            other => panic!("{typed}: {other:?}"),
        };
        assert_eq!(key("FR76 3000 6000 0112 3456 7890 18"), "error-iban-length");
        assert_eq!(
            key("ZZ76 3000 6000 0112 3456 7890 189"),
            "error-iban-country"
        );
        assert_eq!(key("FR76-3000-6000-0112-3456-7890-189"), "error-iban");
        assert_eq!(key(""), "error-iban");
        assert_eq!(key("FRxx 3000 6000 0112 3456 7890 189"), "error-iban");
        assert_eq!(key("FR76 3000 6000 0112 3456 7890 18É"), "error-iban");
    }

    #[test]
    fn bics_of_eight_and_eleven_characters_are_accepted() {
        assert_eq!(parse_bic("bnpa fr pp").ok().as_deref(), Some("BNPAFRPP"));
        assert_eq!(
            parse_bic("DEUTDEFF500").ok().as_deref(),
            Some("DEUTDEFF500")
        );
        for bad in [
            "BNPAFRP",
            "BNPAFRPP5",
            "BNP1FRPP",
            "BNPAF1PP",
            "",
            "BNPAFRPP-XX",
        ] {
            assert!(parse_bic(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ibans_are_grouped_by_four() {
        assert_eq!(
            group_iban("FR7630006000011234567890189"),
            "FR76 3000 6000 0112 3456 7890 189"
        );
    }
}
