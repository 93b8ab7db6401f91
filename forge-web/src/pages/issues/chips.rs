//! Label chips and their stylesheet.
//!
//! The content security policy forbids inline styles, so a page links
//! `/-/assets/labels.css?c=d73a4a.0e8a16`, a stylesheet made from its URL
//! alone (one class per colour, with a text colour chosen for contrast).
//! Label names are always shown as text: colour is never the only way to
//! tell labels apart.

use axum::extract::RawQuery;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use forge_core::label::Label;

/// Colours one label stylesheet may define.
const MAX_STYLESHEET_COLOURS: usize = 300;

/// A label as shown: its name as text, on its colour.
#[derive(Debug, Clone)]
pub(super) struct Chip {
    pub(super) name: String,
    /// Six lowercase hexadecimal digits, without `#`.
    pub(super) hex: String,
}

impl Chip {
    pub(super) fn of(label: &Label) -> Chip {
        Chip::new(&label.name, &label.color)
    }

    pub(super) fn new(name: &str, color: &str) -> Chip {
        let hex = color.trim_start_matches('#').to_ascii_lowercase();
        Chip {
            name: name.to_string(),
            hex: if valid_hex(&hex) {
                hex
            } else {
                "ededed".into()
            },
        }
    }
}

fn valid_hex(hex: &str) -> bool {
    hex.len() == 6 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The stylesheet URL for the chips of a page, if it shows any.
pub(super) fn label_css<'a>(chips: impl IntoIterator<Item = &'a Chip>) -> Option<String> {
    let mut colours: Vec<&str> = chips.into_iter().map(|c| c.hex.as_str()).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.truncate(MAX_STYLESHEET_COLOURS);
    (!colours.is_empty()).then(|| format!("/-/assets/labels.css?c={}", colours.join(".")))
}

/// The relative luminance of a colour (WCAG 2.1).
fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let value = hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
        let c = f64::from(value) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

/// Black or white, whichever reads better on `hex` (always at least 4.5:1).
fn readable_text_on(hex: &str) -> &'static str {
    let l = luminance(hex);
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        "000000"
    } else {
        "ffffff"
    }
}

/// `/-/assets/labels.css?c=d73a4a.0e8a16`: one class per colour named in
/// the URL. The answer depends on the URL alone, so it may be cached.
pub(super) async fn label_stylesheet(RawQuery(query): RawQuery) -> Response {
    let mut css = String::from("/* Label colours, with a readable text colour for each. */\n");
    let colours = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.strip_prefix("c="))
        .flat_map(|list| list.split('.'))
        .filter(|hex| valid_hex(hex))
        .take(MAX_STYLESHEET_COLOURS);
    for hex in colours {
        css.push_str(&format!(
            ".lc-{hex}{{background-color:#{hex};color:#{};}}\n",
            readable_text_on(hex)
        ));
    }
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        css,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contrast ratio of two colours (WCAG 2.1).
    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
        (hi + 0.05) / (lo + 0.05)
    }

    #[test]
    fn label_text_is_readable_on_every_colour() {
        let mut worst = f64::MAX;
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    let hex = format!("{r:02x}{g:02x}{b:02x}");
                    worst = worst.min(contrast(&hex, readable_text_on(&hex)));
                }
            }
        }
        assert!(worst >= 4.5, "worst contrast {worst}");
        assert_eq!(readable_text_on("ffffff"), "000000");
        assert_eq!(readable_text_on("000000"), "ffffff");
        assert_eq!(readable_text_on("d73a4a"), "000000");
        assert_eq!(readable_text_on("0b5cad"), "ffffff");
    }

    #[test]
    fn stylesheet_urls_list_each_colour_once() {
        let chips = [
            Chip::new("b", "#0E8A16"),
            Chip::new("a", "#d73a4a"),
            Chip::new("c", "#0e8a16"),
            Chip::new("bad", "javascript:x"),
        ];
        assert_eq!(
            label_css(chips.iter()).as_deref(),
            Some("/-/assets/labels.css?c=0e8a16.d73a4a.ededed")
        );
        assert_eq!(label_css(std::iter::empty()), None);
    }
}
