//! Money: integer minor units with an ISO 4217 currency, never floats; the
//! fair-share rule; and amounts typed by people in their own notation.

use crate::error::{Error, Result};

/// The currencies the forge accepts, with their minor-unit exponents.
pub const CURRENCIES: &[(&str, u32)] = &[
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("ISK", 0),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("HUF", 2),
    ("RON", 2),
    ("BGN", 2),
    ("MAD", 2),
    ("TND", 3),
    ("XOF", 0),
    ("XAF", 0),
    ("XPF", 0),
    ("BRL", 2),
    ("MXN", 2),
    ("INR", 2),
    ("CNY", 2),
    ("ZAR", 2),
    ("KWD", 3),
    ("BHD", 3),
];

/// The largest amount (budget, pledge, payment) the forge accepts, in minor
/// units: ten trillion in a currency with cents. The sum of nine thousand
/// such amounts still fits in an `i64` (and in the databases' BIGINT), so
/// totals of pledges do not overflow.
pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

/// An amount given in minor units, checked: positive and at most
/// [`MAX_MINOR`].
pub fn check_minor(field: &'static str, amount: i64) -> Result<i64> {
    if amount <= 0 {
        return Err(Error::invalid(field, "error-amount-positive"));
    }
    if amount > MAX_MINOR {
        return Err(Error::invalid(field, "error-amount-too-large"));
    }
    Ok(amount)
}

/// The currency code in canonical form and its exponent.
pub fn currency(code: &str) -> Result<(&'static str, u32)> {
    let code = code.trim().to_ascii_uppercase();
    CURRENCIES
        .iter()
        .find(|(c, _)| *c == code)
        .copied()
        .ok_or_else(|| Error::invalid("currency", "error-currency"))
}

/// Splits `budget` among pledges pro rata: `floor(budget × pledge / total)`,
/// then the minor units left over go one each to the largest remainders,
/// ties to the earliest pledge (the order given). Requires
/// `0 < budget <= total`; the shares add up to `budget` exactly and none
/// exceeds its pledge.
pub fn shares(budget: i64, pledges: &[i64]) -> Vec<i64> {
    let total: i128 = pledges.iter().map(|p| i128::from(*p)).sum();
    if budget <= 0 || total <= 0 || i128::from(budget) > total {
        return vec![0; pledges.len()];
    }
    let budget = i128::from(budget);
    let mut result = Vec::with_capacity(pledges.len());
    let mut remainders = Vec::with_capacity(pledges.len());
    for (index, pledge) in pledges.iter().enumerate() {
        let product = budget * i128::from(*pledge);
        result.push(product / total);
        remainders.push((product % total, index));
    }
    let assigned: i128 = result.iter().sum();
    let left_over = usize::try_from(budget - assigned)
        .expect("fewer minor units are left over than there are pledges");
    // Largest remainder first; among equals, the earliest pledge.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders.into_iter().take(left_over) {
        result[index] += 1;
    }
    result
        .into_iter()
        .map(|share| i64::try_from(share).expect("a share is at most its pledge, an i64"))
        .collect()
}

/// How a language writes amounts: its decimal mark and the characters it
/// accepts between groups of thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notation {
    pub decimal: char,
    pub groups: &'static [char],
}

/// Reads an amount typed in major units ("1 234,50" in French, "1,234.50"
/// in English) into minor units of a currency with `exponent` decimals.
///
/// Only an unambiguous amount is read: digits, grouped by three (the first
/// group one to three digits) with one of the notation's group characters
/// and only before the decimal mark, then at most `exponent` decimals after
/// the notation's decimal mark. Anything else is refused rather than
/// guessed: "12,50" in English and "12.34" in French are not amounts, since
/// dropping the separator would read a hundred times more.
pub fn parse_major(text: &str, exponent: u32, notation: Notation) -> Result<i64> {
    let bad = || Error::invalid("amount", "error-amount");
    let text = text.trim();
    let (whole, fraction) = match text.split_once(notation.decimal) {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = whole_digits(whole, notation.groups).ok_or_else(bad)?;
    let fraction = match fraction {
        None => "",
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => f,
        Some(_) => return Err(bad()),
    };
    if fraction.len() > exponent as usize {
        return Err(Error::invalid("amount", "error-amount-precision"));
    }
    let scale = 10i64.pow(exponent);
    let whole: i64 = digits.parse().map_err(|_| bad())?;
    let mut fraction_minor: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| bad())?
    };
    for _ in fraction.len()..exponent as usize {
        fraction_minor *= 10;
    }
    let minor = whole
        .checked_mul(scale)
        .and_then(|m| m.checked_add(fraction_minor))
        .ok_or_else(bad)?;
    check_minor("amount", minor)
}

/// The digits of the whole part of an amount, when it is either plain
/// digits or digits grouped by three with the same group character
/// throughout (the first group one to three digits).
fn whole_digits(whole: &str, groups: &[char]) -> Option<String> {
    let separator = whole.chars().find(|c| !c.is_ascii_digit());
    let parts: Vec<&str> = match separator {
        None => vec![whole],
        Some(sep) if groups.contains(&sep) => whole.split(sep).collect(),
        Some(_) => return None,
    };
    let first = parts.first()?;
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if parts.len() > 1 && first.len() > 3 {
        return None;
    }
    for part in &parts[1..] {
        if part.len() != 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some(parts.concat())
}

/// An amount to show as an example of the notation, in minor units of a
/// currency with `exponent` decimals: one thousand two hundred and
/// thirty-four and a half.
pub fn example_minor(exponent: u32) -> i64 {
    let scale = 10i64.pow(exponent);
    1234 * scale + scale / 2
}

/// Formats minor units as major units with `decimal` and `group`
/// separators, without a currency sign: `123450` → "1 234,50".
pub fn format_major(minor: i64, exponent: u32, decimal: char, group: char) -> String {
    let negative = minor < 0;
    let value = minor.unsigned_abs();
    let scale = 10u64.pow(exponent);
    let whole = (value / scale).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if exponent > 0 {
        out.push(decimal);
        out.push_str(&format!(
            "{:0width$}",
            value % scale,
            width = exponent as usize
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_follow_the_rule_on_known_cases() {
        assert_eq!(shares(1000, &[500, 500]), vec![500, 500]);
        assert_eq!(shares(1000, &[1000, 1000]), vec![500, 500]);
        // 100 split 1:1:1 = 33.33 each: the earliest gets the extra unit.
        assert_eq!(shares(100, &[50, 50, 50]), vec![34, 33, 33]);
        // Largest remainders first: 10 × (3, 3, 4) / 10 = 3, 3, 4 exactly.
        assert_eq!(shares(10, &[3, 3, 4]), vec![3, 3, 4]);
        assert_eq!(shares(7, &[10, 20, 30]), vec![1, 2, 4]);
        assert_eq!(shares(0, &[1]), vec![0]);
    }

    #[test]
    fn currencies_are_known_with_their_exponents() {
        assert_eq!(currency("eur").unwrap(), ("EUR", 2));
        assert_eq!(currency("JPY").unwrap(), ("JPY", 0));
        assert_eq!(currency("TND").unwrap(), ("TND", 3));
        assert!(currency("XYZ").is_err());
    }

    const FR: Notation = Notation {
        decimal: ',',
        groups: &[' ', '\u{202f}', '\u{a0}'],
    };
    const EN: Notation = Notation {
        decimal: '.',
        groups: &[','],
    };

    #[test]
    fn amounts_in_each_language() {
        assert_eq!(parse_major("1 234,50", 2, FR).unwrap(), 123_450);
        assert_eq!(parse_major("1\u{202f}234,5", 2, FR).unwrap(), 123_450);
        assert_eq!(parse_major("1\u{a0}234", 2, FR).unwrap(), 123_400);
        assert_eq!(parse_major("1,234.50", 2, EN).unwrap(), 123_450);
        assert_eq!(parse_major("12", 2, EN).unwrap(), 1200);
        assert_eq!(parse_major("1500", 0, EN).unwrap(), 1500);
        assert_eq!(parse_major("1,234,567", 0, EN).unwrap(), 1_234_567);
        assert!(parse_major("1.5", 0, EN).is_err());
        assert!(parse_major("1,234.567", 2, EN).is_err());
        assert!(parse_major("-5", 2, EN).is_err());
        assert!(parse_major("0", 2, EN).is_err());
        assert!(parse_major("abc", 2, EN).is_err());
        assert!(parse_major("99999999999999999999", 2, EN).is_err());
        assert_eq!(
            parse_major("10000000000000", 2, EN).unwrap(),
            MAX_MINOR,
            "ten trillion"
        );
        assert!(parse_major("10000000000000.01", 2, EN).is_err());
        assert!(check_minor("amount", 0).is_err());
        assert!(check_minor("amount", MAX_MINOR + 1).is_err());
        assert_eq!(format_major(123_450, 2, ',', ' '), "1 234,50");
        assert_eq!(format_major(123_450, 2, '.', ','), "1,234.50");
        assert_eq!(format_major(5, 2, '.', ','), "0.05");
        assert_eq!(format_major(1_000_000, 0, '.', ','), "1,000,000");
    }

    #[test]
    fn ambiguous_amounts_are_refused_not_guessed() {
        // The other language's decimal mark.
        assert!(parse_major("12,50", 2, EN).is_err());
        assert!(parse_major("12,5", 2, EN).is_err());
        assert!(parse_major("12.34", 2, FR).is_err());
        assert!(parse_major("1.234,50", 2, FR).is_err());
        // Groups that are not of three, or after the decimal mark.
        assert!(parse_major("1,23,456", 2, EN).is_err());
        assert!(parse_major("1234,567", 2, EN).is_err());
        assert!(parse_major("12 34", 2, FR).is_err());
        assert!(parse_major("1 234,5 0", 2, FR).is_err());
        assert!(parse_major("1,234.5,0", 2, EN).is_err());
        assert!(parse_major(",234", 2, EN).is_err());
        assert!(parse_major("1,,234", 2, EN).is_err());
        assert!(parse_major("1 234\u{202f}567", 2, FR).is_err());
        // Spaces are not English groups; a mark with nothing after it.
        assert!(parse_major("1 234.50", 2, EN).is_err());
        assert!(parse_major("12.", 2, EN).is_err());
        assert!(parse_major(".5", 2, EN).is_err());
        // Too many decimals, with the precision message.
        match parse_major("1,5", 0, FR) {
            Err(Error::Invalid { problem, .. }) => {
                assert_eq!(problem.key, "error-amount-precision")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_example_has_the_currency_decimals() {
        assert_eq!(example_minor(0), 1234);
        assert_eq!(example_minor(2), 123_450);
        assert_eq!(example_minor(3), 1_234_500);
    }

    proptest! {
        #[test]
        fn shares_sum_to_the_budget_and_never_exceed_pledges(
            pledges in proptest::collection::vec(1i64..10_000_000_000, 1..40),
            fraction in 1u32..=1000,
        ) {
            let total: i64 = pledges.iter().sum();
            let budget = (i128::from(total) * i128::from(fraction) / 1000).max(1) as i64;
            let result = shares(budget, &pledges);
            prop_assert_eq!(result.iter().sum::<i64>(), budget);
            for (share, pledge) in result.iter().zip(&pledges) {
                prop_assert!(*share >= 0 && share <= pledge);
            }
            prop_assert_eq!(shares(budget, &pledges), result, "deterministic");
        }

        #[test]
        fn a_larger_pledge_never_lowers_its_own_share(
            pledges in proptest::collection::vec(1i64..1_000_000, 1..20),
            which in 0usize..20,
            increase in 1i64..1_000_000,
            fraction in 1u32..=1000,
        ) {
            let which = which % pledges.len();
            let total: i64 = pledges.iter().sum();
            let budget = (i128::from(total) * i128::from(fraction) / 1000).max(1) as i64;
            let before = shares(budget, &pledges)[which];
            let mut more = pledges.clone();
            more[which] += increase;
            let after = shares(budget, &more)[which];
            prop_assert!(after >= before, "{} -> {}", before, after);
        }
    }
}
