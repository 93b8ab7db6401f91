//! The words of notification e-mail, in the recipient's language: a
//! subject naming the repository and the issue, plain text and simple
//! HTML with the issue's link, why the message was sent, and the links to
//! stop (the one-click unsubscribe link, and the settings). Also the
//! message that verifies an address (its link), and the daily digest
//! (what happened, by repository and issue).

use crate::highlight::escape;
use crate::i18n::{Lang, catalogue};
use crate::views::url_encode;
use forge_core::notification::mail::{self, Pending};
use forge_service::mail::{Compose, Composed};

/// Words messages for the forge at `base_url`.
pub struct MailComposer {
    pub base_url: String,
    pub site_name: String,
}

/// The words of what happened last in a thread, as the inbox says it.
/// The catalogue key saying what happened last in a thread (`{ $actor }
/// commented`), in the inbox and in e-mail.
pub(crate) fn kind_key(kind: &str) -> String {
    match kind {
        "opened" | "commented" | "closed" | "reopened" | "assigned" | "reviewed"
        | "review_comment" | "merged" => {
            format!("notification-kind-{kind}")
        }
        "reminder_review_3"
        | "reminder_review_1"
        | "reminder_deadline_7"
        | "reminder_payment_14" => format!("mail-{kind}"),
        _ => "notification-kind-funding".to_string(),
    }
}

fn lang_of(mail: &Pending) -> Lang {
    mail.locale
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(Lang::En)
}

impl MailComposer {
    /// The message that verifies an address: its link, and what to do if
    /// the recipient did not ask for it.
    fn verification(&self, mail: &Pending, link: &str) -> Composed {
        let lang = lang_of(mail);
        let t = |key: &str, args: &[(&str, &str)]| catalogue().message(lang, key, args);
        let subject = t("mail-verify-subject", &[("site", &self.site_name)]);
        let intro = t(
            "mail-verify-intro",
            &[("site", &self.site_name), ("user", &mail.user_name)],
        );
        let action = t("mail-verify-action", &[]);
        let ignore = t("mail-verify-ignore", &[]);
        let text = format!(
            "{intro}

{action}: {link}

-- 
{ignore}
"
        );
        let html = format!(
            "<!doctype html>\n<html lang=\"{code}\"><body>\n<p>{intro}</p>\n<p><a href=\"{link}\">{action}</a></p>\n<hr>\n<p>{ignore}</p>\n</body></html>\n",
            code = lang.code(),
            intro = escape(&intro),
            link = escape(link),
            action = escape(&action),
            ignore = escape(&ignore),
        );
        Composed {
            subject,
            text,
            html,
        }
    }

    /// The daily digest: each repository, then each of its issues with
    /// what happened last.
    fn digest(&self, mail: &Pending) -> Composed {
        let lang = lang_of(mail);
        let t = |key: &str, args: &[(&str, &str)]| catalogue().message(lang, key, args);
        let base = self.base_url.trim_end_matches('/');
        let count = mail.digest.len().to_string();
        let subject = t(
            "mail-digest-subject",
            &[("site", &self.site_name), ("count", &count)],
        );
        let intro = t("mail-digest-intro", &[("count", &count)]);
        let mut text = format!("{intro}\n");
        let mut html = format!(
            "<!doctype html>\n<html lang=\"{}\"><body>\n<p>{}</p>\n",
            lang.code(),
            escape(&intro)
        );
        let mut current = String::new();
        for item in &mail.digest {
            let repo = format!("{}/{}", item.repo_owner, item.repo_name);
            if repo != current {
                if !current.is_empty() {
                    html.push_str("</ul>\n");
                }
                text.push_str(&format!("\n{repo}\n"));
                html.push_str(&format!("<h2>{}</h2>\n<ul>\n", escape(&repo)));
                current = repo;
            }
            let url = format!(
                "{base}/{}/{}/issues/{}",
                url_encode(&item.repo_owner),
                url_encode(&item.repo_name),
                item.issue_number
            );
            let actor = item
                .last_actor
                .clone()
                .unwrap_or_else(|| t("notification-actor-forge", &[]));
            let what = t(&kind_key(&item.last_kind), &[("actor", &actor)]);
            text.push_str(&format!(
                "  #{} {}: {what}\n  {url}\n",
                item.issue_number, item.issue_title
            ));
            html.push_str(&format!(
                "<li><a href=\"{}\">#{} {}</a>: {}</li>\n",
                escape(&url),
                item.issue_number,
                escape(&item.issue_title),
                escape(&what)
            ));
        }
        if !current.is_empty() {
            html.push_str("</ul>\n");
        }
        let settings_url = format!("{base}/user/settings/notifications");
        let settings = t("mail-settings", &[]);
        let why = t("mail-digest-why", &[("site", &self.site_name)]);
        text.push_str(&format!("\n-- \n{why}\n{settings}: {settings_url}\n"));
        html.push_str(&format!(
            "<hr>\n<p>{}<br><a href=\"{}\">{}</a></p>\n</body></html>\n",
            escape(&why),
            escape(&settings_url),
            escape(&settings)
        ));
        Composed {
            subject,
            text,
            html,
        }
    }
}

impl Compose for MailComposer {
    fn compose(&self, mail: &Pending, unsubscribe_url: &str) -> Composed {
        if mail.kind == mail::VERIFY_KIND {
            return self.verification(mail, unsubscribe_url);
        }
        if mail.kind == mail::DIGEST_KIND {
            return self.digest(mail);
        }
        let lang = lang_of(mail);
        let t = |key: &str, args: &[(&str, &str)]| catalogue().message(lang, key, args);
        let base = self.base_url.trim_end_matches('/');
        let repo = format!("{}/{}", mail.repo_owner, mail.repo_name);
        let issue_url = format!(
            "{base}/{}/{}/issues/{}",
            url_encode(&mail.repo_owner),
            url_encode(&mail.repo_name),
            mail.issue_number
        );
        let settings_url = format!("{base}/user/settings/notifications");
        let kind_key = kind_key(&mail.kind);
        let actor = mail
            .actor
            .clone()
            .unwrap_or_else(|| t("notification-actor-forge", &[]));
        let what = t(&kind_key, &[("actor", &actor)]);
        let number = mail.issue_number.to_string();
        let subject = format!("[{repo}] {} (#{number})", mail.issue_title);
        let open = t("mail-open-issue", &[]);
        let why = t("mail-why", &[("site", &self.site_name)]);
        let stop = t("mail-unsubscribe", &[]);
        let settings = t("mail-settings", &[]);
        let text = format!(
            "{what}\n\n{repo}#{number}: {title}\n{open}: {issue_url}\n\n-- \n{why}\n{stop}: {unsubscribe_url}\n{settings}: {settings_url}\n",
            title = mail.issue_title,
        );
        let html = format!(
            "<!doctype html>\n<html lang=\"{code}\"><body>\n<p>{what}</p>\n<p><a href=\"{issue}\">{repo}#{number} {title}</a></p>\n<hr>\n<p>{why}<br><a href=\"{unsub}\">{stop}</a> · <a href=\"{settings_url}\">{settings}</a></p>\n</body></html>\n",
            code = lang.code(),
            what = escape(&what),
            issue = escape(&issue_url),
            repo = escape(&repo),
            title = escape(&mail.issue_title),
            why = escape(&why),
            unsub = escape(unsubscribe_url),
            stop = escape(&stop),
            settings = escape(&settings),
        );
        Composed {
            subject,
            text,
            html,
        }
    }
}
