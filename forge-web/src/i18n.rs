//! Translation catalogues (Fluent) and the choice of language.
//!
//! Every visible string of the web interface comes from `locales/*.ftl`,
//! compiled into the binary. The API speaks English, through the same
//! catalogue, so a message is written once.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, shown in the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The best supported language of an `Accept-Language` header, by weight.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, u32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, parse_weight);
            if weight == 0 {
                continue;
            }
            if let Some(lang) = Lang::from_code(tag)
                && best.is_none_or(|(_, w)| weight > w)
            {
                best = Some((lang, weight));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

/// A q-value in thousandths, without floating point.
fn parse_weight(q: &str) -> u32 {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    let int: u32 = int.parse().unwrap_or(0).min(1);
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    (int * 1000 + frac.parse::<u32>().unwrap_or(0)).min(1000)
}

pub struct Catalogue {
    en: FluentBundle<FluentResource>,
    fr: FluentBundle<FluentResource>,
}

/// Each language's catalogue, one file per area of the forge; both
/// languages have the same files with the same keys.
macro_rules! catalogue_files {
    ($lang:literal) => {
        &[
            (
                "main",
                include_str!(concat!("../locales/", $lang, "/main.ftl")),
            ),
            (
                "auth",
                include_str!(concat!("../locales/", $lang, "/auth.ftl")),
            ),
            (
                "repo",
                include_str!(concat!("../locales/", $lang, "/repo.ftl")),
            ),
            (
                "code",
                include_str!(concat!("../locales/", $lang, "/code.ftl")),
            ),
            (
                "issues",
                include_str!(concat!("../locales/", $lang, "/issues.ftl")),
            ),
            (
                "funding",
                include_str!(concat!("../locales/", $lang, "/funding.ftl")),
            ),
            (
                "funding_pages",
                include_str!(concat!("../locales/", $lang, "/funding_pages.ftl")),
            ),
            (
                "settings",
                include_str!(concat!("../locales/", $lang, "/settings.ftl")),
            ),
            (
                "security",
                include_str!(concat!("../locales/", $lang, "/security.ftl")),
            ),
            (
                "payees",
                include_str!(concat!("../locales/", $lang, "/payees.ftl")),
            ),
            (
                "ssh",
                include_str!(concat!("../locales/", $lang, "/ssh.ftl")),
            ),
            (
                "api",
                include_str!(concat!("../locales/", $lang, "/api.ftl")),
            ),
            (
                "webhooks",
                include_str!(concat!("../locales/", $lang, "/webhooks.ftl")),
            ),
            (
                "notifications",
                include_str!(concat!("../locales/", $lang, "/notifications.ftl")),
            ),
            (
                "pulls",
                include_str!(concat!("../locales/", $lang, "/pulls.ftl")),
            ),
            (
                "protection",
                include_str!(concat!("../locales/", $lang, "/protection.ftl")),
            ),
            (
                "reviews",
                include_str!(concat!("../locales/", $lang, "/reviews.ftl")),
            ),
        ]
    };
}

pub const EN_FILES: &[(&str, &str)] = catalogue_files!("en");
pub const FR_FILES: &[(&str, &str)] = catalogue_files!("fr");

fn bundle(code: &str, files: &[(&str, &str)]) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = code
        .parse()
        .expect("the language codes are valid identifiers");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks would end up inside HTML attributes and URLs.
    bundle.set_use_isolating(false);
    for (file, source) in files {
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(_, errors)| {
            panic!("the {code}/{file} catalogue does not parse: {errors:?}")
        });
        bundle.add_resource(resource).unwrap_or_else(|errors| {
            panic!("the {code}/{file} catalogue repeats messages: {errors:?}")
        });
    }
    bundle
}

/// The catalogues, parsed once. A catalogue that does not parse is a bug
/// caught by the tests, hence the panics above.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        en: bundle("en", EN_FILES),
        fr: bundle("fr", FR_FILES),
    })
}

impl Catalogue {
    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        }
    }

    /// The message `key` in `lang`, with `args`. A missing key shows the key
    /// itself (and the catalogue tests fail), never an empty string.
    pub fn message(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = lang.code(), "missing translation");
            return key.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, *value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(
                key,
                lang = lang.code(),
                ?errors,
                "translation formatting problem"
            );
        }
        text.into_owned()
    }

    /// Whether `key` exists in every language.
    pub fn has(&self, key: &str) -> bool {
        Lang::ALL
            .iter()
            .all(|lang| self.bundle(*lang).has_message(key))
    }
}

/// Shorthand for a message without arguments.
pub fn t(lang: Lang, key: &str) -> String {
    catalogue().message(lang, key, &[])
}

/// Translates a domain [`forge_core::Problem`].
pub fn problem(lang: Lang, problem: &forge_core::Problem) -> String {
    let args: Vec<(&str, &str)> = problem.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    catalogue().message(lang, problem.key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(files: &[(&str, &str)]) -> BTreeSet<String> {
        files
            .iter()
            .flat_map(|(_, source)| source.lines())
            .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" =").map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        let _ = catalogue();
        let en = keys(EN_FILES);
        let fr = keys(FR_FILES);
        let only_en: Vec<_> = en.difference(&fr).collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        assert!(only_en.is_empty(), "keys only in English: {only_en:?}");
        assert!(only_fr.is_empty(), "keys only in French: {only_fr:?}");
        assert!(en.len() > 50);
    }

    #[test]
    fn every_problem_key_used_by_the_domain_is_translated() {
        let core_src = concat!(
            include_str!("../../forge-core/src/names.rs"),
            include_str!("../../forge-core/src/password.rs"),
            include_str!("../../forge-core/src/user.rs"),
            include_str!("../../forge-core/src/org.rs"),
            include_str!("../../forge-core/src/token.rs"),
            include_str!("../../forge-core/src/repo.rs"),
            include_str!("../../forge-core/src/identity.rs"),
            include_str!("../../forge-core/src/issue/mod.rs"),
            include_str!("../../forge-core/src/issue/validate.rs"),
            include_str!("../../forge-core/src/issue/create.rs"),
            include_str!("../../forge-core/src/issue/update.rs"),
            include_str!("../../forge-core/src/issue/state.rs"),
            include_str!("../../forge-core/src/issue/labels.rs"),
            include_str!("../../forge-core/src/issue/assignees.rs"),
            include_str!("../../forge-core/src/issue/notes.rs"),
            include_str!("../../forge-core/src/issue/search.rs"),
            include_str!("../../forge-core/src/comment.rs"),
            include_str!("../../forge-core/src/label.rs"),
            include_str!("../../forge-core/src/milestone.rs"),
            include_str!("../../forge-core/src/issue_query.rs"),
            include_str!("../../forge-core/src/funding/shared.rs"),
            include_str!("../../forge-core/src/funding/goal.rs"),
            include_str!("../../forge-core/src/funding/pledge.rs"),
            include_str!("../../forge-core/src/funding/idempotency.rs"),
            include_str!("../../forge-core/src/funding/delivery.rs"),
            include_str!("../../forge-core/src/funding/payment.rs"),
            include_str!("../../forge-core/src/money.rs"),
            include_str!("../../forge-core/src/notification/mod.rs"),
            include_str!("../../forge-core/src/notification/watch.rs"),
            include_str!("../../forge-core/src/pull.rs"),
            include_str!("../../forge-core/src/commit_status.rs"),
            include_str!("../../forge-service/src/pulls.rs"),
            include_str!("../../forge-core/src/notification/mail.rs"),
        );
        let mut missing = Vec::new();
        for piece in core_src.split('"').skip(1).step_by(2) {
            if piece.starts_with("error-") && !catalogue().has(piece) {
                missing.push(piece.to_string());
            }
        }
        assert!(
            missing.is_empty(),
            "untranslated domain messages: {missing:?}"
        );
    }

    #[test]
    fn accept_language_picks_the_heaviest_supported_language() {
        assert_eq!(
            Lang::from_accept_language("fr-FR,fr;q=0.9,en;q=0.8"),
            Some(Lang::Fr)
        );
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, fr;q=0.7"),
            Some(Lang::Fr)
        );
        assert_eq!(Lang::from_accept_language("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de, es"), None);
        assert_eq!(Lang::from_accept_language("fr;q=0, en"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn messages_take_arguments() {
        let text = catalogue().message(Lang::En, "error-name-too-long", &[("max", "40")]);
        assert!(text.contains("40"), "{text}");
        let text = catalogue().message(Lang::Fr, "error-name-too-long", &[("max", "40")]);
        assert!(text.contains("40"), "{text}");
    }
}
