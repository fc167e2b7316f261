//! What a `jingsf.toml` says (the model), how it is generated, and the TOML text for it.

use proptest::prelude::*;

use crate::re;

/// How a string is written in TOML.
#[derive(Debug, Clone, Copy)]
pub enum Quoting {
    Basic,
    Literal,
    MultiBasic,
    MultiLiteral,
}

/// `s` as a TOML string in the given form, or in basic form when that form cannot hold it.
fn toml_string(s: &str, q: Quoting) -> String {
    let plain = !s.chars().any(|c| c.is_control() && c != '\t');
    match q {
        Quoting::Literal if plain && !s.contains('\'') => format!("'{s}'"),
        Quoting::MultiLiteral if plain && !s.contains("'''") && !s.ends_with('\'') => {
            format!("'''{s}'''")
        }
        Quoting::MultiBasic => format!("\"\"\"{}\"\"\"", escape_basic(s)),
        _ => format!("\"{}\"", escape_basic(s)),
    }
}

fn escape_basic(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            '\n' => "\\n".to_owned(),
            c if c.is_control() => format!("\\u{:04X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// One key's value: a string (in some quoting), or a value of the wrong type.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String, Quoting),
    Raw(&'static str),
}

impl Val {
    fn render(&self) -> String {
        match self {
            Val::Str(s, q) => toml_string(s, *q),
            Val::Raw(r) => (*r).to_owned(),
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Str(s, _) => Some(s),
            Val::Raw(_) => None,
        }
    }
}

/// What a document says.
#[derive(Debug, Clone)]
pub struct Doc {
    pub data_dir: Val,
    pub listen: Val,
    pub public_url: Val,
    /// Absent, or the literal integer text (may be negative or out of range).
    pub poll: Option<String>,
    pub client_id: Val,
    pub client_secret: Option<Val>,
    /// `[jing]` absent, empty, or with a base_url.
    pub jing: Option<Option<Val>>,
    pub smtp: Option<(String, Option<String>)>,
    /// An unknown key, refused.
    pub unknown: Option<String>,
}

fn quoting() -> impl Strategy<Value = Quoting> {
    prop_oneof![
        Just(Quoting::Basic),
        Just(Quoting::Literal),
        Just(Quoting::MultiBasic),
        Just(Quoting::MultiLiteral)
    ]
}

fn string_from(pattern: impl Strategy<Value = String>) -> impl Strategy<Value = Val> {
    prop_oneof![
        12 => (pattern, quoting()).prop_map(|(s, q)| Val::Str(s, q)),
        1 => prop::sample::select(vec!["1", "true", "[]", "{}", "1979-05-27", "1.5"])
            .prop_map(Val::Raw),
    ]
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![re(".{0,12}"), re("[ -~]{0,12}"), Just(String::new())]
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        re("https://[a-z.]{1,20}(/[a-z]{0,5})?/?"),
        re("http://(127\\.0\\.0\\.1|localhost)(:[0-9]{1,5})?"),
        re("http://[a-z.]{1,12}"),
        any_text(),
    ]
}

fn listen() -> impl Strategy<Value = String> {
    prop_oneof![
        re("127\\.0\\.0\\.1:[0-9]{1,5}"),
        re("\\[::1\\]:[0-9]{1,5}"),
        re("0\\.0\\.0\\.0:8080"),
        any_text(),
    ]
}

/// TOML integer literals: plain, out of range, negative, with underscores, hexadecimal.
fn poll() -> impl Strategy<Value = String> {
    let special = [
        "0",
        "1441",
        "-1",
        "99999999999999999999",
        "1_000",
        "0x1e",
        "007",
    ];
    prop_oneof![
        re("[0-9]{1,4}"),
        prop::sample::select(special.to_vec()).prop_map(str::to_owned)
    ]
}

fn smtp() -> impl Strategy<Value = (String, Option<String>)> {
    let from = prop_oneof![re("[a-z]{1,8}@[a-z]{1,8}\\.example"), any_text()];
    (
        prop_oneof![re("starttls|tls|plain"), re("[a-z]{0,8}")],
        proptest::option::of(from),
    )
}

pub fn doc() -> impl Strategy<Value = Doc> {
    let head = (
        string_from(any_text()),
        string_from(listen()),
        string_from(url()),
        proptest::option::of(poll()),
    );
    let tail = (
        string_from(prop_oneof![re("3MVG[A-Za-z0-9.]{0,20}"), any_text()]),
        proptest::option::of(string_from(any_text())),
        proptest::option::of(proptest::option::of(string_from(url()))),
        proptest::option::of(smtp()),
        proptest::option::weighted(0.15, re("[a-z_]{1,12}")),
    );
    (head, tail).prop_map(|((data_dir, listen, public_url, poll), t)| Doc {
        data_dir,
        listen,
        public_url,
        poll,
        client_id: t.0,
        client_secret: t.1,
        jing: t.2,
        smtp: t.3,
        unknown: t.4,
    })
}

impl Doc {
    pub fn render(&self) -> String {
        let mut x = format!(
            "data_dir = {}\nlisten = {}\npublic_url = {}\n",
            self.data_dir.render(),
            self.listen.render(),
            self.public_url.render()
        );
        if let Some(p) = &self.poll {
            x += &format!("poll_minutes = {p}\n");
        }
        if let Some(k) = &self.unknown {
            x += &format!("{k} = 1\n");
        }
        x += &format!("\n[salesforce]\nclient_id = {}\n", self.client_id.render());
        if let Some(s) = &self.client_secret {
            x += &format!("client_secret = {}\n", s.render());
        }
        if let Some(jing) = &self.jing {
            x += "\n[jing]\n";
            if let Some(url) = jing {
                x += &format!("base_url = {}\n", url.render());
            }
        }
        if let Some((security, from)) = &self.smtp {
            x += &format!("\n[smtp]\nhost = \"smtp.example.com\"\nsecurity = \"{security}\"\n");
            if let Some(f) = from {
                x += &format!("from = {}\n", toml_string(f, Quoting::Basic));
            }
        }
        x
    }

    /// `Some(keys)` of the problems expected when every value has the right type, `None` when
    /// the document must be refused as a whole (wrong type, missing or unknown key).
    /// The values, when each has the type its key needs; `None` when the document must be
    /// refused as a whole (wrong type, missing or unknown key, unreadable address or number).
    fn typed(&self) -> Option<Typed<'_>> {
        let poll = match (self.unknown.as_deref(), &self.poll) {
            (None, p) => p.as_deref(),
            // The "unknown" key happens to be the optional one: `poll_minutes = 1`.
            (Some("poll_minutes"), None) => Some("1"),
            // Unknown, duplicated, or a table name used as a value: refused whole.
            (Some(_), _) => return None,
        };
        self.data_dir.text()?;
        self.listen.text()?.parse::<std::net::SocketAddr>().ok()?;
        if let Some((_, from)) = &self.smtp {
            from.as_ref()?;
        }
        Some(Typed {
            public_url: self.public_url.text()?,
            poll: poll.map_or(Some(30), toml_u64)?,
            client_id: self.client_id.text()?,
            secret: match &self.client_secret {
                Some(v) => Some(v.text()?),
                None => None,
            },
            base_url: match &self.jing {
                Some(Some(v)) => Some(v.text()?),
                _ => None,
            },
            smtp_security: self.smtp.as_ref().map(|(s, _)| s.as_str()),
        })
    }

    /// `Some(keys)` of the problems expected (in the order they are reported), `None` when the
    /// document is refused as a whole.
    pub(super) fn expected_problems(&self) -> Option<Vec<&'static str>> {
        let t = self.typed()?;
        // The file's secret when given (even blank), else the environment's.
        let env = std::env::var("JINGSF_SF_CLIENT_SECRET").ok();
        let secret = t.secret.map(str::to_owned).or(env).unwrap_or_default();
        let local = ["https://", "http://127.0.0.1", "http://localhost"];
        let securities = ["starttls", "tls", "plain"];
        let checks = [
            (
                "public_url",
                !local.iter().any(|p| t.public_url.starts_with(p)),
            ),
            ("poll_minutes", !(1..=1440).contains(&t.poll)),
            ("salesforce.client_id", t.client_id.trim().is_empty()),
            ("salesforce.client_secret", secret.trim().is_empty()),
            (
                "jing.base_url",
                t.base_url.is_some_and(|u| !u.starts_with("http")),
            ),
            (
                "smtp",
                t.smtp_security.is_some_and(|s| !securities.contains(&s)),
            ),
        ];
        Some(
            checks
                .into_iter()
                .filter(|(_, bad)| *bad)
                .map(|(k, _)| k)
                .collect(),
        )
    }
}

/// A document's values, each of the right type.
struct Typed<'a> {
    public_url: &'a str,
    poll: u64,
    client_id: &'a str,
    secret: Option<&'a str>,
    base_url: Option<&'a str>,
    smtp_security: Option<&'a str>,
}

/// A TOML integer literal as an unsigned number: decimal without leading zeros, underscores
/// between digits, `0x` hex; `None` when TOML or `u64` refuse it.
fn toml_u64(literal: &str) -> Option<u64> {
    let (digits, radix) = match literal.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None if literal.len() > 1 && literal.starts_with('0') => return None,
        None => (literal, 10),
    };
    let n = i64::from_str_radix(&digits.replace('_', ""), radix).ok()?;
    u64::try_from(n).ok()
}
