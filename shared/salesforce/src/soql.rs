//! SOQL text: literal escaping (reference §6.2) and the incremental polling query (§6.3).

use time::OffsetDateTime;

use crate::error::SfError;
use domain::SfId;

/// Quote a string for an `=` comparison: backslash escapes, never doubled quotes.
pub fn quote(value: &str) -> Result<String, SfError> {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                return Err(SfError::InvalidInput(format!(
                    "control character U+{:04X} in a SOQL string",
                    c as u32
                )));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

/// An unquoted datetime literal. Salesforce stores whole seconds; keep milliseconds only when
/// present so a cursor read from a finer-grained source still compares exactly.
pub fn datetime_literal(dt: OffsetDateTime) -> String {
    let utc = dt.to_offset(time::UtcOffset::UTC);
    if utc.millisecond() == 0 {
        domain::datetime::format_soql(utc)
    } else {
        let base = domain::datetime::format_soql(utc.replace_millisecond(0).expect("0 is valid"));
        format!("{}.{:03}Z", base.trim_end_matches('Z'), utc.millisecond())
    }
}

/// Field, object and relationship names: letters, digits, `_`, `.` (for `Owner.Email`).
pub fn check_identifier(name: &str) -> Result<&str, SfError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if ok {
        Ok(name)
    } else {
        Err(SfError::InvalidInput(format!(
            "not a Salesforce API name: {name:?}"
        )))
    }
}

/// `('a', 'b')` for an `IN` list.
pub fn in_list(values: &[String]) -> Result<String, SfError> {
    let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect::<Result<_, _>>()?;
    Ok(format!("({})", quoted.join(", ")))
}

/// `always` then each of `fields` not already present (case-insensitive), comma-separated.
pub fn select_with(always: &[&str], fields: &[&str]) -> Result<String, SfError> {
    let mut select: Vec<&str> = always.to_vec();
    for f in fields {
        let f = check_identifier(f)?;
        if !select.iter().any(|s| s.eq_ignore_ascii_case(f)) {
            select.push(f);
        }
    }
    Ok(select.join(", "))
}

/// Where an incremental poll resumes: the last (SystemModstamp, Id) actually seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModstampCursor {
    pub system_modstamp: OffsetDateTime,
    pub last_id: Option<SfId>,
}

impl ModstampCursor {
    pub fn new(system_modstamp: OffsetDateTime) -> Self {
        Self {
            system_modstamp,
            last_id: None,
        }
    }

    /// Advance past a record (records arrive ordered by SystemModstamp, Id).
    pub fn advance(&mut self, record: &crate::Record) {
        if let (Some(ts), Some(id)) = (record.system_modstamp(), record.id()) {
            self.system_modstamp = ts;
            self.last_id = Some(id);
        }
    }
}

/// `SELECT … FROM X WHERE (SystemModstamp > T OR (SystemModstamp = T AND Id > 'last'))
/// [AND (extra)] ORDER BY SystemModstamp, Id [LIMIT n]`. Records sharing a timestamp are split
/// across polls by Id, so none is skipped and none read twice. `Id` and `SystemModstamp` are
/// always selected.
pub fn incremental_query(
    object: &str,
    fields: &[&str],
    cursor: Option<&ModstampCursor>,
    extra_where: Option<&str>,
    limit: Option<u32>,
) -> Result<String, SfError> {
    let select = select_with(&["Id", "SystemModstamp"], fields)?;
    let mut conditions = Vec::new();
    if let Some(c) = cursor {
        let t = datetime_literal(c.system_modstamp);
        conditions.push(match &c.last_id {
            Some(id) => format!(
                "(SystemModstamp > {t} OR (SystemModstamp = {t} AND Id > {}))",
                quote(id.as_str())?
            ),
            // A bare timestamp is a start point: records stamped exactly then are not seen yet.
            None => format!("SystemModstamp >= {t}"),
        });
    }
    if let Some(extra) = extra_where.filter(|e| !e.trim().is_empty()) {
        conditions.push(format!("({extra})"));
    }
    let mut soql = format!("SELECT {select} FROM {}", check_identifier(object)?);
    if !conditions.is_empty() {
        soql.push_str(" WHERE ");
        soql.push_str(&conditions.join(" AND "));
    }
    soql.push_str(" ORDER BY SystemModstamp, Id");
    if let Some(n) = limit {
        soql.push_str(&format!(" LIMIT {n}"));
    }
    Ok(soql)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn quoting_uses_backslashes() {
        assert_eq!(quote("O'Brien").unwrap(), r"'O\'Brien'");
        assert_eq!(quote(r"a\b").unwrap(), r"'a\\b'");
        assert_eq!(
            quote("line\nnext\t\"q\"").unwrap(),
            r#"'line\nnext\t\"q\"'"#
        );
        assert_eq!(quote("Bob's 50%_off").unwrap(), r"'Bob\'s 50%_off'");
        assert!(quote("bell\u{7}").is_err());
    }

    #[test]
    fn datetime_literals_are_unquoted_utc() {
        assert_eq!(
            datetime_literal(datetime!(2024-05-01 18:00:00 +08:00)),
            "2024-05-01T10:00:00Z"
        );
        assert_eq!(
            datetime_literal(datetime!(2024-05-01 10:00:00.250 UTC)),
            "2024-05-01T10:00:00.250Z"
        );
    }

    #[test]
    fn incremental_query_shape() {
        let cursor = ModstampCursor {
            system_modstamp: datetime!(2024-05-01 10:00:00 UTC),
            last_id: Some(SfId::parse("00Q5g00000XyZaBEAV").unwrap()),
        };
        let q = incremental_query(
            "Lead",
            &["Email", "id"],
            Some(&cursor),
            Some("IsConverted = false"),
            Some(500),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT Id, SystemModstamp, Email FROM Lead WHERE (SystemModstamp > 2024-05-01T10:00:00Z OR \
             (SystemModstamp = 2024-05-01T10:00:00Z AND Id > '00Q5g00000XyZaBEAV')) AND (IsConverted = false) \
             ORDER BY SystemModstamp, Id LIMIT 500"
        );
        let start = ModstampCursor::new(datetime!(2024-05-01 10:00:00 UTC));
        let from = incremental_query("Lead", &[], Some(&start), None, None).unwrap();
        assert!(
            from.contains("WHERE SystemModstamp >= 2024-05-01T10:00:00Z ORDER BY"),
            "{from}"
        );
        assert_eq!(
            in_list(&["a".into(), "O'B".into()]).unwrap(),
            r"('a', 'O\'B')"
        );
        let first = incremental_query("Lead", &[], None, None, None).unwrap();
        assert_eq!(
            first,
            "SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"
        );
        assert!(incremental_query("Lead; DELETE", &[], None, None, None).is_err());
        assert!(incremental_query("Lead", &["Email FROM User"], None, None, None).is_err());
    }

    #[test]
    fn cursor_advances_to_the_last_record() {
        let mut c = ModstampCursor::new(datetime!(2024-01-01 0:00 UTC));
        let r: crate::Record = serde_json::from_str(
            r#"{"Id":"00Q5g00000XyZaBEAV","SystemModstamp":"2024-05-01T08:17:00.000+0000"}"#,
        )
        .unwrap();
        c.advance(&r);
        assert_eq!(c.system_modstamp, datetime!(2024-05-01 08:17:00 UTC));
        assert_eq!(c.last_id.unwrap().as_str(), "00Q5g00000XyZaBEAV");
    }
}
