//! The words of notification e-mail, in the recipient's language: a
//! subject naming the repository and the issue, plain text and simple
//! HTML with the issue's link, why the message was sent, and the links to
//! stop (the one-click unsubscribe link, and the settings).

use crate::highlight::escape;
use crate::i18n::{Lang, catalogue};
use crate::views::url_encode;
use forge_core::notification::mail::Pending;
use forge_service::mail::{Compose, Composed};

/// Words messages for the forge at `base_url`.
pub struct MailComposer {
    pub base_url: String,
    pub site_name: String,
}

impl Compose for MailComposer {
    fn compose(&self, mail: &Pending, unsubscribe_url: &str) -> Composed {
        let lang = mail
            .locale
            .as_deref()
            .and_then(Lang::from_code)
            .unwrap_or(Lang::En);
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
        let kind_key = match mail.kind.as_str() {
            "opened" | "commented" | "closed" | "reopened" | "assigned" => {
                format!("notification-kind-{}", mail.kind)
            }
            "reminder_review_3"
            | "reminder_review_1"
            | "reminder_deadline_7"
            | "reminder_payment_14" => format!("mail-{}", mail.kind),
            _ => "notification-kind-funding".to_string(),
        };
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
