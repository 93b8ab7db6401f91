//! Atom 1.0 documents (RFC 4287): a feed with its entries, every text
//! escaped for XML (markup, and characters XML 1.0 forbids dropped).

use forge_core::clock::rfc3339;

/// One entry of a feed.
pub struct AtomEntry {
    /// A URI that names the entry for ever.
    pub id: String,
    pub title: String,
    pub author: String,
    pub link: String,
    pub updated: i64,
    pub summary: String,
}

/// A feed.
pub struct AtomFeed {
    pub id: String,
    pub title: String,
    /// The feed's own address (without any token).
    pub self_link: String,
    /// The page it follows.
    pub html_link: String,
    pub entries: Vec<AtomEntry>,
    /// When nothing happened yet: the feed's `updated`.
    pub fallback_updated: i64,
}

/// `text` escaped for XML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows only these control characters.
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

impl AtomFeed {
    pub fn render(&self) -> String {
        let updated = self
            .entries
            .iter()
            .map(|e| e.updated)
            .max()
            .unwrap_or(self.fallback_updated);
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        xml.push_str(&format!("  <id>{}</id>\n", escape(&self.id)));
        xml.push_str(&format!("  <title>{}</title>\n", escape(&self.title)));
        xml.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
        xml.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            escape(&self.self_link)
        ));
        xml.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&self.html_link)
        ));
        xml.push_str("  <generator>forge</generator>\n");
        for entry in &self.entries {
            xml.push_str("  <entry>\n");
            xml.push_str(&format!("    <id>{}</id>\n", escape(&entry.id)));
            xml.push_str(&format!("    <title>{}</title>\n", escape(&entry.title)));
            xml.push_str(&format!(
                "    <updated>{}</updated>\n",
                rfc3339(entry.updated)
            ));
            xml.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                escape(&entry.author)
            ));
            xml.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape(&entry.link)
            ));
            if !entry.summary.is_empty() {
                xml.push_str(&format!(
                    "    <summary type=\"text\">{}</summary>\n",
                    escape(&entry.summary)
                ));
            }
            xml.push_str("  </entry>\n");
        }
        xml.push_str("</feed>\n");
        xml
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(
            escape("<b>\"Tom\" & 'Jerry'</b>\u{1}"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt;"
        );
    }

    #[test]
    fn an_empty_feed_is_still_a_feed() {
        let feed = AtomFeed {
            id: "http://x/a".into(),
            title: "A & B".into(),
            self_link: "http://x/a.atom".into(),
            html_link: "http://x/a".into(),
            entries: Vec::new(),
            fallback_updated: 0,
        };
        let xml = feed.render();
        assert!(xml.contains("<title>A &amp; B</title>"));
        assert!(xml.contains("<updated>1970-01-01T00:00:00Z</updated>"));
    }
}
