//! Printed documents as PDF: a title, a line under it, and sections of
//! labelled fields and paragraphs, on A4 pages.
//!
//! The text is set in the standard Helvetica fonts every PDF reader has,
//! so nothing is embedded and nothing is fetched; the WinAnsi encoding
//! covers French (accents, `€`, `’`, `«»`, the no-break spaces). A
//! character outside it prints as `?`. The same [`PrintedDocument`] feeds
//! the printable HTML page, so both forms say the same thing.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A section of a printed document.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub heading: String,
    /// Label and value; a value may hold several lines.
    pub fields: Vec<(String, String)>,
    pub paragraphs: Vec<String>,
}

/// A document ready to print, every text already in the reader's language.
#[derive(Debug, Clone, Default)]
pub struct PrintedDocument {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const VALUE_X: f32 = 210.0;
const BODY_SIZE: f32 = 10.0;
const LINE: f32 = 14.0;
/// Helvetica's average advance, in ems, a little generous so wrapped lines
/// stay inside the margin.
const AVERAGE_WIDTH: f32 = 0.56;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// One line of text placed on a page.
struct Placed {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    text: Vec<u8>,
}

/// Encodes text in WinAnsi (Windows-1252), the encoding of the standard
/// fonts.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            // Latin-1 has the same code points in WinAnsi.
            '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
            '\u{202f}' | '\u{2009}' | '\u{2007}' => 0xa0,
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

/// Breaks text into lines of at most `width` points at `size`, at spaces
/// where it can, and at line breaks.
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    // The number of characters fits in any usize; the float is only an
    // estimate of the room.
    let max = ((width / (size * AVERAGE_WIDTH)).floor().max(8.0)) as usize;
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word = word.to_string();
            while word.chars().count() > max {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let cut: String = word.chars().take(max).collect();
                word = word.chars().skip(max).collect();
                lines.push(cut);
            }
            let needed =
                line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if needed > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Lays the document out on as many pages as it needs.
fn layout(document: &PrintedDocument) -> Vec<Vec<Placed>> {
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = PAGE_HEIGHT - MARGIN;
    let place = |pages: &mut Vec<Vec<Placed>>, y: &mut f32, placed: Placed, height: f32| {
        if *y - height < MARGIN {
            pages.push(Vec::new());
            *y = PAGE_HEIGHT - MARGIN;
        }
        *y -= height;
        let page = pages.last_mut().expect("there is always a page");
        page.push(Placed { y: *y, ..placed });
    };
    let full = PAGE_WIDTH - 2.0 * MARGIN;
    for line in wrap(&document.title, full, 18.0) {
        let text = win_ansi(&line);
        place(
            &mut pages,
            &mut y,
            Placed {
                x: MARGIN,
                y: 0.0,
                size: 18.0,
                bold: true,
                text,
            },
            24.0,
        );
    }
    for line in wrap(&document.subtitle, full, 11.0) {
        let text = win_ansi(&line);
        place(
            &mut pages,
            &mut y,
            Placed {
                x: MARGIN,
                y: 0.0,
                size: 11.0,
                bold: false,
                text,
            },
            16.0,
        );
    }
    for section in &document.sections {
        y -= 8.0;
        let text = win_ansi(&section.heading);
        place(
            &mut pages,
            &mut y,
            Placed {
                x: MARGIN,
                y: 0.0,
                size: 12.0,
                bold: true,
                text,
            },
            20.0,
        );
        for (label, value) in &section.fields {
            let labels = wrap(label, VALUE_X - MARGIN - 8.0, BODY_SIZE);
            let values = wrap(value, PAGE_WIDTH - MARGIN - VALUE_X, BODY_SIZE);
            for i in 0..labels.len().max(values.len()) {
                let mut first = true;
                for (x, bold, text) in [
                    (MARGIN, true, labels.get(i)),
                    (VALUE_X, false, values.get(i)),
                ] {
                    let Some(text) = text else { continue };
                    let placed = Placed {
                        x,
                        y: 0.0,
                        size: BODY_SIZE,
                        bold,
                        text: win_ansi(text),
                    };
                    if first {
                        place(&mut pages, &mut y, placed, LINE);
                        first = false;
                    } else {
                        let page = pages.last_mut().expect("there is always a page");
                        page.push(Placed { y, ..placed });
                    }
                }
            }
        }
        for paragraph in &section.paragraphs {
            for line in wrap(paragraph, full, BODY_SIZE) {
                let text = win_ansi(&line);
                place(
                    &mut pages,
                    &mut y,
                    Placed {
                        x: MARGIN,
                        y: 0.0,
                        size: BODY_SIZE,
                        bold: false,
                        text,
                    },
                    LINE,
                );
            }
            y -= 4.0;
        }
    }
    pages
}

/// The document as a PDF file.
pub fn render(document: &PrintedDocument) -> Vec<u8> {
    let pages = layout(document);
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_refs: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first_page + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(1));
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(&document.title))
        .producer(TextStr("forge"));
    for (page_ref, lines) in page_refs.iter().zip(&pages) {
        let content_ref = Ref::new(page_ref.get() + 1);
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(content_ref);
        page.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        page.finish();
        let mut content = Content::new();
        for line in lines {
            content.begin_text();
            content.set_font(if line.bold { BOLD } else { REGULAR }, line.size);
            content.next_line(line.x, line.y);
            content.show(Str(&line.text));
            content.end_text();
        }
        pdf.stream(content_ref, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_encoded_in_win_ansi() {
        assert_eq!(
            win_ansi("Reçu n° 3 : 1\u{202f}234,50\u{a0}€ — l’été"),
            b"Re\xe7u n\xb0 3 : 1\xa0234,50\xa0\x80 \x97 l\x92\xe9t\xe9".to_vec()
        );
        assert_eq!(win_ansi("→"), b"?".to_vec());
    }

    #[test]
    fn long_text_wraps_within_the_width() {
        let text = "mot ".repeat(100);
        let lines = wrap(text.trim(), 100.0, 10.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.chars().count() <= 17), "{lines:?}");
        assert_eq!(lines.join(" "), text.trim());
        let long = "x".repeat(50);
        assert_eq!(wrap(&long, 100.0, 10.0).concat(), long);
    }

    #[test]
    fn a_long_document_takes_several_pages() {
        let document = PrintedDocument {
            title: "Appel de fonds".into(),
            subtitle: "n° 000001".into(),
            sections: vec![Section {
                heading: "Objet".into(),
                fields: vec![("Montant".into(), "600,00\u{a0}€".into())],
                paragraphs: vec!["Une ligne de texte assez longue. ".repeat(400)],
            }],
        };
        let bytes = render(&document);
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(layout(&document).len() > 1);
    }
}
