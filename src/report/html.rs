//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, nothing
//! fetched), built section by section.

use super::format::{Target, escape};
use std::fmt::Write;

const STYLE: &str = "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}\
th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}\
th{background:#eee}td:first-child,th:first-child{text-align:left}\
code{background:#f4f4f4;padding:0 .2em}\
figure{margin:1.5em 0}figcaption{font-size:.9em;color:#444;margin-top:.3em}\
svg{max-width:100%;height:auto}";

/// A report page under construction.
pub struct HtmlPage {
    body: String,
}

impl HtmlPage {
    /// A page titled `title`, which also heads it.
    pub fn new(title: &str) -> HtmlPage {
        let mut body = String::new();
        let _ = write!(
            body,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{0}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
            escape(title, Target::Html)
        );
        HtmlPage { body }
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text, Target::Html));
    }

    /// A paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text, Target::Html));
    }

    /// A definition list of facts (`model`, `hash`, ...), values shown as code.
    pub fn facts(&mut self, facts: &[(&str, String)]) {
        self.body.push_str("<table class=\"facts\">\n");
        for (name, value) in facts {
            let _ = writeln!(
                self.body,
                "<tr><th>{}</th><td><code>{}</code></td></tr>",
                escape(name, Target::Html),
                escape(value, Target::Html)
            );
        }
        self.body.push_str("</table>\n");
    }

    /// A table with a header row.
    pub fn table(&mut self, id: &str, header: &[String], rows: &[Vec<String>]) {
        let _ = write!(
            self.body,
            "<table id=\"{}\">\n<tr>",
            escape(id, Target::Html)
        );
        for cell in header {
            let _ = write!(self.body, "<th>{}</th>", escape(cell, Target::Html));
        }
        self.body.push_str("</tr>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "<td>{}</td>", escape(cell, Target::Html));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// A plot, inline, with its caption. `svg` is a whole SVG document from
    /// [`super::plot`]; its XML declaration, if any, is dropped.
    pub fn figure(&mut self, id: &str, svg: &str, caption: &str) {
        let svg = svg
            .trim_start()
            .strip_prefix("<?xml")
            .and_then(|rest| rest.split_once("?>"))
            .map_or(svg, |(_, rest)| rest)
            .trim();
        let _ = write!(
            self.body,
            "<figure id=\"{}\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(id, Target::Html),
            escape(caption, Target::Html)
        );
    }

    /// The finished page.
    pub fn finish(mut self) -> String {
        self.body.push_str("</body>\n</html>\n");
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_text_and_inline_svg() {
        let mut page = HtmlPage::new("a <b>");
        page.table("t", &["x&y".to_string()], &[vec!["1".to_string()]]);
        page.figure("f", "<?xml version=\"1.0\"?>\n<svg></svg>", "cap");
        let html = page.finish();
        assert!(html.contains("<title>a &lt;b&gt;</title>"));
        assert!(html.contains("<th>x&amp;y</th>"));
        assert!(html.contains("<figure id=\"f\">\n<svg></svg>\n<figcaption>cap</figcaption>"));
        assert!(!html.contains("<?xml"));
        assert!(!html.contains("<script"));
    }
}
