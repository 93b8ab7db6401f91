//! Money and dates as people read them, in their language: `1 234,50 €` in
//! French, `€1,234.50` in English; `28 novembre 2026`, `28 November 2026`.

use crate::i18n::{self, Lang};
use forge_core::money;

/// Separators of a language: decimal, then grouping.
pub fn separators(lang: Lang) -> (char, char) {
    match lang {
        // French groups thousands with a narrow no-break space.
        Lang::Fr => (',', '\u{202f}'),
        Lang::En => ('.', ','),
    }
}

fn symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

/// An amount of minor units with its currency, in the language's notation.
pub fn money(lang: Lang, minor: i64, currency: &str) -> String {
    let exponent = money::currency(currency).map(|(_, e)| e).unwrap_or(2);
    let (decimal, group) = separators(lang);
    let number = money::format_major(minor, exponent, decimal, group);
    match (lang, symbol(currency)) {
        (Lang::Fr, Some(sign)) => format!("{number}\u{a0}{sign}"),
        (Lang::Fr, None) => format!("{number}\u{a0}{currency}"),
        (Lang::En, Some(sign)) => {
            if let Some(positive) = number.strip_prefix('-') {
                format!("-{sign}{positive}")
            } else {
                format!("{sign}{number}")
            }
        }
        (Lang::En, None) => format!("{currency}\u{a0}{number}"),
    }
}

/// An amount in major units for a form field, without currency sign
/// (what [`money::parse_major`] reads back).
pub fn major_for_input(lang: Lang, minor: i64, currency: &str) -> String {
    let exponent = money::currency(currency).map(|(_, e)| e).unwrap_or(2);
    let (decimal, _) = separators(lang);
    money::format_major(minor, exponent, decimal, ' ').replace(' ', "")
}

/// Reads an amount typed in the visitor's language.
pub fn parse_money(lang: Lang, text: &str, currency: &str) -> forge_core::Result<i64> {
    let (_, exponent) = money::currency(currency)?;
    let (decimal, _) = separators(lang);
    money::parse_major(text, exponent, decimal)
}

/// A date in words: `28 novembre 2026` / `28 November 2026` (UTC).
pub fn long_date(lang: Lang, ms: i64) -> String {
    let (y, m, d) = forge_core::clock::civil_from_days(ms.div_euclid(86_400_000));
    let month = i18n::t(lang, &format!("month-{m}"));
    format!("{d} {month} {y}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm, the inverse of `civil_from_days`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A `YYYY-MM-DD` date field as the last millisecond of that day (UTC): a
/// deadline "on the 30th" includes the whole of the 30th.
pub fn end_of_day(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // Refuse dates such as 31 February, which roll over.
    if forge_core::clock::civil_from_days(days) != (year, month, day) {
        return None;
    }
    Some((days + 1) * 86_400_000 - 1)
}

/// The `YYYY-MM-DD` value of a date field.
pub fn date_input(ms: i64) -> String {
    let (y, m, d) = forge_core::clock::civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_each_language() {
        assert_eq!(money(Lang::Fr, 123_450, "EUR"), "1\u{202f}234,50\u{a0}€");
        assert_eq!(money(Lang::En, 123_450, "EUR"), "€1,234.50");
        assert_eq!(money(Lang::En, 150_000, "JPY"), "¥150,000");
        assert_eq!(money(Lang::En, 1005, "CHF"), "CHF\u{a0}10.05");
        assert_eq!(money(Lang::Fr, 1005, "CHF"), "10,05\u{a0}CHF");
        assert_eq!(parse_money(Lang::Fr, "1 234,50", "EUR").unwrap(), 123_450);
        assert_eq!(parse_money(Lang::En, "1,234.50", "EUR").unwrap(), 123_450);
        assert_eq!(major_for_input(Lang::Fr, 123_450, "EUR"), "1234,50");
    }

    #[test]
    fn dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(end_of_day("1970-01-01"), Some(86_399_999));
        assert_eq!(end_of_day("2026-02-31"), None);
        assert_eq!(end_of_day("soon"), None);
        assert_eq!(date_input(86_399_999), "1970-01-01");
        assert_eq!(long_date(Lang::En, 0), "1 January 1970");
        assert_eq!(long_date(Lang::Fr, 0), "1 janvier 1970");
    }
}
