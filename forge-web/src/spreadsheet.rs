//! CSV files that open as they should in the spreadsheet software of the
//! visitor's language: in French, fields separated by `;` and amounts with
//! a decimal comma (a French spreadsheet reads `12,50` as a number and
//! splits lines at `;`); in English, `,` and a decimal point. Amounts are
//! in major units without thousands separators, so they stay numbers.
//! Files start with a UTF-8 byte order mark in both languages: without it,
//! some spreadsheets read UTF-8 as Latin-1 and garble names such as
//! "Théo". Lines end with CRLF and fields are quoted as RFC 4180 says.

use crate::i18n::Lang;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use forge_core::money;

pub struct Sheet {
    lang: Lang,
    out: String,
}

impl Sheet {
    pub fn new(lang: Lang) -> Sheet {
        Sheet {
            lang,
            out: String::from('\u{feff}'),
        }
    }

    fn separator(&self) -> char {
        match self.lang {
            Lang::Fr => ';',
            Lang::En => ',',
        }
    }

    /// Appends one line.
    pub fn row(&mut self, fields: &[String]) {
        let separator = self.separator();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(separator);
            }
            if field.contains([separator, '"', '\r', '\n']) {
                self.out.push('"');
                self.out.push_str(&field.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(field);
            }
        }
        self.out.push_str("\r\n");
    }

    /// An amount as a number the spreadsheet reads: `1234,50` in French.
    pub fn amount(&self, minor: i64, currency: &str) -> String {
        let exponent = money::currency(currency).map_or(2, |(_, e)| e);
        let decimal = match self.lang {
            Lang::Fr => ',',
            Lang::En => '.',
        };
        money::format_major(minor, exponent, decimal, ' ').replace(' ', "")
    }

    /// Text typed by people, made safe: a cell starting with `=`, `+`, `-`,
    /// `@` or a control character would run as a formula when a treasurer
    /// opens the file, so it gets a leading apostrophe.
    pub fn text(text: &str) -> String {
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{text}")
        } else {
            text.to_string()
        }
    }

    /// The file, downloaded as `filename`.
    pub fn into_response(self, filename: &str) -> Response {
        let mut response = self.out.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let disposition = format!("attachment; filename=\"{filename}\"");
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }

    #[cfg(test)]
    fn body(&self) -> &str {
        &self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_gets_its_separator_and_decimal_mark() {
        let mut fr = Sheet::new(Lang::Fr);
        fr.row(&["Montant".into(), "Réf; 2".into()]);
        fr.row(&[fr.amount(123_450, "EUR"), Sheet::text("=SUM(A1)")]);
        assert_eq!(
            fr.body(),
            "\u{feff}Montant;\"Réf; 2\"\r\n1234,50;'=SUM(A1)\r\n"
        );
        let mut en = Sheet::new(Lang::En);
        en.row(&[en.amount(-5, "EUR"), "a \"b\", c".into()]);
        assert_eq!(en.body(), "\u{feff}-0.05,\"a \"\"b\"\", c\"\r\n");
        assert_eq!(en.amount(1500, "JPY"), "1500");
    }
}
