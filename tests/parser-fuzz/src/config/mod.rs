//! `jingsf.toml` (`Config::parse`): documents generated from a model (every key, right and wrong
//! values, strings in all four TOML forms, unknown keys), the example file and generated
//! documents mutated, and nesting deeper than a parser's recursion.

mod doc;

pub use doc::{Doc, Quoting, Val, doc};

use jingsf::config::Config as JingsfConfig;
use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::mutate::{apply, mutations};
use crate::{Property, check, depth, property};

pub fn properties() -> Vec<Property> {
    vec![
        property!("config", documents_parse_to_what_they_say),
        property!("config", mutated_documents_get_a_typed_answer),
        property!("config", deep_nesting_gets_a_typed_answer),
    ]
}

const EXAMPLE: &str = include_str!("../../../../jingsf.example.toml");

/// Every refusal names a key, a problem and a fix.
fn assert_typed(
    result: &Result<JingsfConfig, Vec<jingsf::config::ConfigError>>,
) -> Result<(), TestCaseError> {
    if let Err(problems) = result {
        prop_assert!(!problems.is_empty());
        for p in problems {
            prop_assert!(
                !p.key.is_empty() && !p.problem.is_empty() && !p.fix.is_empty(),
                "{p}"
            );
        }
    }
    Ok(())
}

pub fn documents_parse_to_what_they_say(config: Config) -> Result<(), String> {
    check(config, doc(), |d| {
        let text = d.render();
        let result = JingsfConfig::parse(&text);
        assert_typed(&result)?;
        let Some(mut expected) = d.expected_problems() else {
            let problems = result.err().unwrap_or_default();
            prop_assert_eq!(problems.len(), 1, "{}", text);
            prop_assert_eq!(problems[0].key.as_str(), "(syntax)");
            return Ok(());
        };
        let keys: Vec<String> = match &result {
            Ok(_) => vec![],
            Err(problems) => problems.iter().map(|p| p.key.clone()).collect(),
        };
        // The mail library judges the from address: a refusal is allowed, under its own key.
        if d.smtp.is_some()
            && expected.last() != Some(&"smtp")
            && keys.last().is_some_and(|k| k == "smtp")
        {
            expected.push("smtp");
        }
        prop_assert_eq!(&keys, &expected, "{}", text);
        if let Ok(cfg) = result {
            prop_assert_eq!(cfg.data_dir.to_str(), d.data_dir.text());
            prop_assert_eq!(cfg.listen, d.listen.text().unwrap().parse().unwrap());
            prop_assert_eq!(Some(cfg.public_url.as_str()), d.public_url.text());
            prop_assert_eq!(Some(cfg.salesforce.client_id.as_str()), d.client_id.text());
            let base_url = d.jing.as_ref().and_then(|j| j.as_ref()).and_then(Val::text);
            prop_assert_eq!(cfg.jing.base_url.as_deref(), base_url);
        }
        Ok(())
    })
}

const TOML_TOKENS: &[&str] = &[
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    ".",
    "#",
    "\n",
    "\r\n",
    "\\",
    "\\u",
    "\\U0010FFFF",
    "\\uD800",
    "\u{0}",
    "\u{feff}",
    "inf",
    "nan",
    "-0",
    "1e400",
    "1979-05-27T07:32:00Z",
    "[smtp]",
    "[salesforce]",
    "[jing]",
    "data_dir = \"x\"",
    "poll_minutes = 30",
    "a.b.c = 1",
    "x = [1, [2, [3]]]",
];

pub fn mutated_documents_get_a_typed_answer(config: Config) -> Result<(), String> {
    let base = prop_oneof![Just(EXAMPLE.to_owned()), doc().prop_map(|d| d.render())];
    check(config, (base, mutations(TOML_TOKENS, 6)), |(text, ms)| {
        let bytes = apply(text.as_bytes(), &ms);
        // The file is read as UTF-8 text: invalid bytes stop at `read_to_string`.
        let text = String::from_utf8_lossy(&bytes);
        assert_typed(&JingsfConfig::parse(&text))
    })
}

/// Arrays, inline tables and dotted keys nested thousands deep.
pub fn deep_nesting_gets_a_typed_answer(config: Config) -> Result<(), String> {
    let shape = (depth(30_000), 0usize..4, any::<bool>());
    check(config, shape, |(depth, kind, closed)| {
        let (open, close) = match kind {
            0 => ("[", "]"),
            1 => ("{a=", "}"),
            2 => ("[{a=", "}]"),
            _ => ("a.", ""),
        };
        let body = if kind == 3 {
            format!("{}b = 1", open.repeat(depth))
        } else {
            let tail = if closed {
                close.repeat(depth)
            } else {
                String::new()
            };
            format!("x = {}1{tail}", open.repeat(depth))
        };
        let text = format!("{body}\n{EXAMPLE}");
        let result = JingsfConfig::parse(&text);
        assert_typed(&result)?;
        prop_assert!(result.is_err(), "an unknown key was accepted");
        Ok(())
    })
}
