//! The sanitiser every rendered byte goes through.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The sanitiser: ammonia's defaults (no script, style, iframe, form,
/// event attributes or style attributes), links limited to http, https and
/// mailto, relative URLs kept, task-list checkboxes kept and disabled.
pub(super) fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("nofollow noopener"))
            .url_relative(ammonia::UrlRelative::PassThrough)
            .add_tags(["input"])
            .add_tag_attributes("input", ["type", "checked"])
            .set_tag_attribute_value("input", "disabled", "")
            .add_tag_attributes("ol", ["start"])
            .add_tag_attributes("code", ["class"])
            .add_tag_attributes("span", ["class"])
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                ("input", "type") => (value == "checkbox").then(|| value.into()),
                // Fenced code's language, as `language-rust`: a class the
                // page may style, never one of the page's own.
                ("code", "class") => {
                    let ok = value.strip_prefix("language-").is_some_and(|lang| {
                        lang.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
                    });
                    ok.then(|| value.into())
                }
                // Highlighting classes only (`hl-keyword hl-control`).
                ("span", "class") => {
                    let ok = value.split_whitespace().all(|class| {
                        class.strip_prefix("hl-").is_some_and(|name| {
                            !name.is_empty()
                                && name.chars().all(|c| {
                                    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+')
                                })
                        })
                    });
                    ok.then(|| value.into())
                }
                _ => Some(value.into()),
            });
        builder
    })
}

#[cfg(test)]
mod tests {
    use super::super::events::has_scheme;
    use super::super::{Options, RefContext, render, render_in};

    /// Attempts to run script, load foreign content or break out of the
    /// sanitised HTML; none may survive.
    const INJECTIONS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=\"javascript:alert(1)\">",
        "<svg onload=alert(1)><circle/></svg>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<form action=\"https://evil.example\"><input name=p><button>Go</button></form>",
        "<style>body{display:none}</style>",
        "<p style=\"position:fixed;top:0\">cover</p>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x]( javascript:alert(1) )",
        "[x](<javascript:alert(1)>)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<javascript:alert(1)>",
        "<div onmouseover=\"alert(1)\">hover</div>",
        "<a href=\"#\" onclick=\"alert(1)\">click</a>",
        "<details open ontoggle=alert(1)>",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
        "<base href=\"https://evil.example/\">",
        "<link rel=stylesheet href=\"https://evil.example/x.css\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<textarea><script>alert(1)</script></textarea>",
        "<!-- <script>alert(1)</script> -->",
        "<p id=\"main\" class=\"skip-link\">clobber</p>",
        "```\n</code></pre><script>alert(1)</script>\n```",
        "`<script>alert(1)</script>`",
        "```\"><script>alert(1)</script>\nx\n```",
        "<div style=\"width: expression(alert(1))\">css</div>",
        "<div style=\"background:url(javascript:alert(1))\">css</div>",
        "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
        "<svg><script>alert(1)</script></svg>",
        "<svg/onload=alert(1)>",
        "<frameset><frame src=\"javascript:alert(1)\"></frameset>",
        "<video><source onerror=\"alert(1)\"></video>",
        "<body onload=alert(1)>",
        "<input autofocus onfocus=alert(1)>",
        "<isindex action=javascript:alert(1) type=image>",
        "<form><button formaction=javascript:alert(1)>x</button></form>",
        "<a href=\"  javascript:alert(1)\">x</a>",
        "<a href=\"java\nscript:alert(1)\">x</a>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<template><script>alert(1)</script></template>",
        "<img src=x:alert(alt) onerror=eval(src) alt=0>",
        "#12 <script>alert(1)</script> @alice",
        "[#12](javascript:alert(1)) owner/repo#3\"><script>x</script>",
    ];

    /// The markup of `html` with attribute values emptied, and the values
    /// of its URL attributes.
    fn split_markup(html: &str) -> (String, Vec<String>) {
        let mut markup = String::new();
        let mut urls = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find("=\"") {
            markup.push_str(&rest[..at + 2]);
            let value_start = at + 2;
            let end = rest[value_start..]
                .find('"')
                .map_or(rest.len(), |e| e + value_start);
            let name = markup
                .rsplit(|c: char| c.is_whitespace())
                .next()
                .unwrap_or("")
                .to_string();
            if name.starts_with("href=") || name.starts_with("src=") {
                urls.push(rest[value_start..end].to_string());
            }
            rest = &rest[end..];
        }
        markup.push_str(rest);
        (markup, urls)
    }

    #[test]
    fn injection_attempts_do_not_survive() {
        let context = RefContext {
            owner: "coop".into(),
            repo: "tools".into(),
        };
        let rendered = INJECTIONS.iter().flat_map(|attempt| {
            [
                (attempt, render(attempt)),
                (attempt, render_in(attempt, &Options::default(), &context)),
            ]
        });
        for (attempt, html) in rendered {
            let html = html.to_ascii_lowercase();
            let (markup, urls) = split_markup(&html);
            for forbidden in [
                "<script",
                "<iframe",
                "<object",
                "<embed",
                "<form",
                "<style",
                "<svg",
                "<math",
                "<meta",
                "<base",
                "<link",
                "<textarea",
                "<button",
                "<noscript",
                "<frame",
                "<input autofocus",
                "<template",
                "<video",
                "<source",
                "<body",
                "<isindex",
                "expression(",
                " on",
                " style=",
                " id=",
                " class=",
                " name=",
            ] {
                assert!(
                    !markup.contains(forbidden),
                    "{attempt:?} rendered as {html:?}, which contains {forbidden:?}"
                );
            }
            for url in urls {
                assert!(
                    url.starts_with("http://")
                        || url.starts_with("https://")
                        || url.starts_with("mailto:")
                        || !has_scheme(&url),
                    "{attempt:?} rendered as {html:?}, which links to {url:?}"
                );
            }
        }
    }

    #[test]
    fn links_get_rel_and_escaped_text_stays_text() {
        let html = render("[x](https://e.org) and 1 < 2 & <b>bold</b>");
        assert!(
            html.contains("<a href=\"https://e.org\" rel=\"nofollow noopener\">x</a>"),
            "{html}"
        );
        assert!(html.contains("1 &lt; 2 &amp;"), "{html}");
        assert!(html.contains("<b>bold</b>"), "{html}");
    }
}
