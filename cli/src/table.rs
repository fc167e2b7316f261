//! Aligned text tables for people (the `--json` mode prints the API's answer instead). Widths
//! are display columns, so Chinese names (two columns per character) line up too.

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

/// Rows under a header, columns separated by two spaces.
#[derive(Debug, Default)]
pub struct Table {
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: Some(header.iter().map(|h| (*h).to_owned()).collect()),
            rows: Vec::new(),
        }
    }

    /// Label–value lines without a header.
    pub fn plain() -> Self {
        Self::default()
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every line ends with a newline; the last column is not padded.
    pub fn render(&self) -> String {
        let lines: Vec<&Vec<String>> = self.header.iter().chain(&self.rows).collect();
        let columns = lines.iter().map(|l| l.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                let cell = |l: &&Vec<String>| l.get(c).map_or(0, |s| s.width());
                lines.iter().map(cell).max().unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for line in lines {
            let mut text = String::new();
            for (c, cell) in line.iter().enumerate() {
                text += cell;
                if c + 1 < line.len() {
                    text += &" ".repeat(widths[c] - cell.width() + 2);
                }
            }
            out += text.trim_end();
            out.push('\n');
        }
        out
    }
}

/// A JSON value as a cell: strings bare, `-` for null or absent, yes/no for booleans.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".to_owned(),
        Value::String(s) if s.is_empty() => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        other => other.to_string(),
    }
}

/// A field value (`{"t": "text", "v": "x"}`) as people read it.
pub fn value_text(v: &Value) -> String {
    match &v["v"] {
        Value::Null => "(empty)".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The items of a JSON array (none when it is not one).
pub fn items(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_line_up_by_display_width() {
        let mut t = Table::new(&["USER", "NAME", "STATE"]);
        t.row(["005A", "王小明", "bound"]);
        t.row(["005BBBBBBB", "Li", "unbound"]);
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "USER        NAME    STATE");
        assert_eq!(lines[1], "005A        王小明  bound");
        assert_eq!(lines[2], "005BBBBBBB  Li      unbound");
    }

    #[test]
    fn short_rows_and_empty_last_cells_leave_no_trailing_spaces() {
        let mut t = Table::plain();
        t.row(["synced:", "3"]).row(["failed:", ""]).row(["x"]);
        assert_eq!(t.render(), "synced:  3\nfailed:\nx\n");
    }

    #[test]
    fn cells_show_json_values_for_people() {
        assert_eq!(cell(&json!(null)), "-");
        assert_eq!(cell(&json!("")), "-");
        assert_eq!(cell(&json!(true)), "yes");
        assert_eq!(cell(&json!(12)), "12");
        assert_eq!(cell(&json!("a b")), "a b");
        assert_eq!(items(&json!({"a": 1})).len(), 0);
        assert_eq!(value_text(&json!({"t": "empty"})), "(empty)");
        assert_eq!(
            value_text(&json!({"t": "text", "v": "销售总监"})),
            "销售总监"
        );
        assert_eq!(value_text(&json!({"t": "number", "v": 3.5})), "3.5");
    }
}
