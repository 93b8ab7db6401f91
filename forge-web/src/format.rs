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

/// How amounts are typed in a language. French groups thousands with a
/// space of any width (people type a plain space; pages show a narrow
/// no-break space) and English with a comma; neither accepts the other's
/// decimal mark.
pub fn notation(lang: Lang) -> money::Notation {
    match lang {
        Lang::Fr => money::Notation {
            decimal: ',',
            groups: &[' ', '\u{202f}', '\u{a0}'],
        },
        Lang::En => money::Notation {
            decimal: '.',
            groups: &[','],
        },
    }
}

/// How to type an amount of `currency` in the visitor's language, as an
/// example: `1 234,50` in French, `1,234.50` in English.
pub fn amount_example(lang: Lang, currency: &str) -> String {
    let exponent = money::currency(currency).map(|(_, e)| e).unwrap_or(2);
    let (decimal, _) = separators(lang);
    let group = match lang {
        Lang::Fr => ' ',
        Lang::En => ',',
    };
    money::format_major(money::example_minor(exponent), exponent, decimal, group)
}

/// An amount in major units, grouped as pages show it, without currency
/// sign: `1 234,50` in French.
pub fn major_for_display(lang: Lang, minor: i64, currency: &str) -> String {
    let exponent = money::currency(currency).map(|(_, e)| e).unwrap_or(2);
    let (decimal, group) = separators(lang);
    money::format_major(minor, exponent, decimal, group)
}

/// Reads an amount typed in the visitor's language for the form field
/// `field`. An amount that is not unambiguous in that language is refused
/// with an example of how to type it.
pub fn parse_money(
    lang: Lang,
    field: &'static str,
    text: &str,
    currency: &str,
) -> forge_core::Result<i64> {
    let (currency, exponent) = money::currency(currency)?;
    money::parse_major(text, exponent, notation(lang)).map_err(|e| match e {
        forge_core::Error::Invalid { problem, .. } => {
            let key = match problem.key {
                "error-amount" => "error-amount-typed",
                "error-amount-precision" => "error-amount-decimals",
                other => other,
            };
            forge_core::Error::Invalid {
                field,
                problem: forge_core::Problem::new(key)
                    .arg("example", amount_example(lang, currency))
                    .arg("currency", currency),
            }
        }
        other => other,
    })
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
    use proptest::prelude::*;

    #[test]
    fn money_in_each_language() {
        assert_eq!(money(Lang::Fr, 123_450, "EUR"), "1\u{202f}234,50\u{a0}€");
        assert_eq!(money(Lang::En, 123_450, "EUR"), "€1,234.50");
        assert_eq!(money(Lang::En, 150_000, "JPY"), "¥150,000");
        assert_eq!(money(Lang::En, 1005, "CHF"), "CHF\u{a0}10.05");
        assert_eq!(money(Lang::Fr, 1005, "CHF"), "10,05\u{a0}CHF");
        assert_eq!(
            parse_money(Lang::Fr, "amount", "1 234,50", "EUR").unwrap(),
            123_450
        );
        assert_eq!(
            parse_money(Lang::En, "amount", "1,234.50", "EUR").unwrap(),
            123_450
        );
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

    /// Every language, and a currency of each number of decimals.
    const LANGS: [Lang; 2] = [Lang::Fr, Lang::En];
    const CURRENCIES: [&str; 3] = ["JPY", "EUR", "KWD"];

    fn exponent(currency: &str) -> u32 {
        money::currency(currency).unwrap().1
    }

    /// The whole part of an amount with separators placed at the given
    /// (wrong) group sizes: `1234567` cut as [2, 2, 3] → `12,34,567`.
    fn regroup(digits: &str, sizes: &[usize], separator: char) -> String {
        let mut out = String::new();
        let mut rest = digits;
        for size in sizes {
            if rest.len() <= *size {
                break;
            }
            let (head, tail) = rest.split_at(*size);
            out.push_str(head);
            out.push(separator);
            rest = tail;
        }
        out.push_str(rest);
        out
    }

    proptest! {
        /// What the forge writes, in every language and for every currency
        /// exponent, it reads back exactly: the shown form (grouped as the
        /// pages show it), the form field's form (no groups), and French
        /// typed with an ordinary or a no-break space.
        #[test]
        fn every_formatted_amount_reads_back_to_itself(minor in 1i64..=money::MAX_MINOR) {
            for lang in LANGS {
                for currency in CURRENCIES {
                    let e = exponent(currency);
                    let (decimal, group) = separators(lang);
                    let shown = money::format_major(minor, e, decimal, group);
                    prop_assert_eq!(parse_money(lang, "amount", &shown, currency).unwrap(), minor, "{}", shown);
                    let typed = major_for_input(lang, minor, currency);
                    prop_assert_eq!(parse_money(lang, "amount", &typed, currency).unwrap(), minor, "{}", typed);
                    if lang == Lang::Fr {
                        for space in [' ', '\u{a0}'] {
                            let spaced = money::format_major(minor, e, decimal, space);
                            prop_assert_eq!(parse_money(lang, "amount", &spaced, currency).unwrap(), minor, "{}", spaced);
                        }
                    }
                    // The whole display, currency sign aside, is the same number.
                    let display = money(lang, minor, currency);
                    prop_assert!(display.contains(&shown), "{} in {}", shown, display);
                }
            }
        }

        /// A decimal part written with the other language's mark is
        /// refused: never read as a hundred (or a thousand) times more.
        #[test]
        fn the_other_languages_decimal_mark_is_refused(
            whole in 1i64..1_000_000,
            decimals in "[0-9]{1,2}|[0-9]{4}",
        ) {
            for currency in CURRENCIES {
                let english_comma = format!("{whole},{decimals}");
                prop_assert!(parse_money(Lang::En, "amount", &english_comma, currency).is_err(), "{}", english_comma);
                let french_point = format!("{whole}.{decimals}");
                prop_assert!(parse_money(Lang::Fr, "amount", &french_point, currency).is_err(), "{}", french_point);
            }
            // A French point followed by three digits is not a group either.
            let french_group = format!("{whole}.500");
            prop_assert!(parse_money(Lang::Fr, "amount", &french_group, "EUR").is_err());
        }

        /// Thousands separators anywhere but between groups of three are
        /// refused in both languages.
        #[test]
        fn wrong_grouping_is_refused(
            digits in "[1-9][0-9]{4,12}",
            sizes in proptest::collection::vec(1usize..=5, 1..4),
            lang_index in 0usize..2,
        ) {
            let lang = LANGS[lang_index];
            let (_, group) = separators(lang);
            let text = regroup(&digits, &sizes, group);
            // Correct grouping: the first group 1 to 3 digits, then threes.
            let parts: Vec<&str> = text.split(group).collect();
            let correct = parts.len() == 1
                || (parts[0].len() <= 3 && parts[1..].iter().all(|p| p.len() == 3));
            let read = parse_money(lang, "amount", &text, "EUR");
            if correct {
                prop_assert_eq!(read.unwrap(), digits.parse::<i64>().unwrap() * 100, "{}", text);
            } else {
                prop_assert!(read.is_err(), "{} was read as {:?}", text, read);
            }
        }

        /// More decimals than the currency has are refused, with the
        /// message that says so.
        #[test]
        fn too_many_decimals_are_refused(
            whole in 1i64..1_000_000,
            extra in 1usize..4,
            lang_index in 0usize..2,
        ) {
            let lang = LANGS[lang_index];
            let (decimal, _) = separators(lang);
            for currency in CURRENCIES {
                let e = exponent(currency) as usize;
                let text = format!("{whole}{decimal}{}", "5".repeat(e + extra));
                match parse_money(lang, "amount", &text, currency) {
                    Err(forge_core::Error::Invalid { problem, .. }) => {
                        prop_assert_eq!(problem.key, "error-amount-decimals", "{}", text);
                    }
                    other => prop_assert!(false, "{} was read as {:?}", text, other),
                }
            }
        }
    }

    #[test]
    fn a_refusal_shows_how_to_type_the_amount() {
        assert_eq!(amount_example(Lang::Fr, "EUR"), "1 234,50");
        assert_eq!(amount_example(Lang::En, "EUR"), "1,234.50");
        assert_eq!(amount_example(Lang::En, "JPY"), "1,234");
        assert_eq!(amount_example(Lang::Fr, "KWD"), "1 234,500");
        for (lang, typed, message) in [
            (Lang::En, "12,50", "1,234.50"),
            (Lang::Fr, "12.34", "1 234,50"),
        ] {
            let Err(forge_core::Error::Invalid { field, problem }) =
                parse_money(lang, "budget", typed, "EUR")
            else {
                panic!("{typed} was accepted");
            };
            assert_eq!(field, "budget");
            assert!(i18n::problem(lang, &problem).contains(message), "{typed}");
        }
    }
}
