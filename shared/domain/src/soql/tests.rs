use super::*;
use proptest::prelude::*;
use time::macros::{date, datetime};

#[test]
fn quotes_and_backslashes_are_escaped_with_backslashes() {
    assert_eq!(quote("O'Brien").unwrap(), r"'O\'Brien'");
    assert_eq!(quote(r"C:\temp").unwrap(), r"'C:\\temp'");
    assert_eq!(quote(r"\'").unwrap(), r"'\\\''");
    assert_eq!(quote("say \"hi\"").unwrap(), r#"'say \"hi\"'"#);
}

#[test]
fn injection_attempt_stays_inside_one_literal() {
    let rendered = quote("' OR Id != null --").unwrap();
    assert_eq!(rendered, r"'\' OR Id != null --'");
    let clause = format!("Name = {rendered}");
    let tokens = tokenize(&clause).unwrap();
    assert_eq!(tokens.len(), 3, "{tokens:?}");
    assert_eq!(tokens[2], Token::Str(&rendered));
    assert_eq!(unescape_literal(&rendered).unwrap(), "' OR Id != null --");
}

#[test]
fn whitespace_controls_are_escaped_and_others_refused() {
    assert_eq!(
        escape_string("a\nb\rc\td\u{8}e\u{c}").unwrap(),
        r"a\nb\rc\td\be\f"
    );
    assert_eq!(escape_string("a\u{0}b"), Err(SoqlError::ControlChar(0)));
    assert_eq!(escape_string("\u{1b}"), Err(SoqlError::ControlChar(0x1b)));
    assert_eq!(escape_string("\u{7f}"), Err(SoqlError::ControlChar(0x7f)));
}

#[test]
fn unicode_passes_through_unchanged() {
    assert_eq!(quote("张三 – Zoë 🚀").unwrap(), "'张三 – Zoë 🚀'");
}

#[test]
fn wildcards_are_literal_only_in_like() {
    assert_eq!(escape_string("50%_off").unwrap(), "50%_off");
    assert_eq!(escape_like("Bob's 50%_off").unwrap(), r"Bob\'s 50\%\_off");
    assert_eq!(escape_like(r"a\%").unwrap(), r"a\\\%");
}

#[test]
fn date_and_datetime_literals_are_unquoted_utc() {
    let dt = datetime!(2024-05-01 18:00:00 +8);
    assert_eq!(datetime_literal(dt), "2024-05-01T10:00:00Z");
    assert_eq!(date_literal(date!(2024 - 02 - 29)), "2024-02-29");
}

#[test]
fn field_names_are_validated_not_escaped() {
    for ok in [
        "Email",
        "Custom_Field__c",
        "ns__Score__c",
        "Owner.Email",
        "Parent__r.Name__c",
        "jing__Lead_Id__C",
    ] {
        assert!(is_valid_field_name(ok), "{ok}");
    }
    for bad in [
        "",
        "Name'",
        "Name OR Id",
        "1Field",
        "_Field",
        "Field_",
        "Field__x",
        "A__B__C__c",
        "Owner.Manager.Email",
        "Parent__c.Name",
        "Owner.Thing__r",
        "Email)",
        "名字",
        "Name--",
        ".Email",
    ] {
        assert!(!is_valid_field_name(bad), "{bad}");
    }
    assert_eq!(
        validate_field_name("x y"),
        Err(SoqlError::InvalidFieldName("x y".into()))
    );
}

#[test]
fn unescape_accepts_every_documented_escape() {
    assert_eq!(
        unescape_literal(r#"'\n\N\r\R\t\T\b\B\f\F\"\'\\'"#).unwrap(),
        "\n\n\r\r\t\t\u{8}\u{8}\u{c}\u{c}\"'\\"
    );
    assert_eq!(unescape_literal(r"'\u4e2d\u6587'").unwrap(), "中文");
    assert_eq!(unescape_literal("''").unwrap(), "");
}

#[test]
fn unescape_refuses_what_salesforce_refuses() {
    for bad in [
        r"'\%'",
        r"'\_'",
        r"'\x'",
        r"'abc\'",
        "'a'b'",
        "abc",
        "'",
        r"'\u12'",
        r"'\ud800'",
    ] {
        assert!(unescape_literal(bad).is_err(), "{bad}");
    }
}

#[test]
fn like_patterns_parse_wildcards_and_escapes() {
    let p = LikePattern::parse(r"'%O\'Brien\_%'").unwrap();
    assert!(p.matches("Mr o'brien_jr"));
    assert!(!p.matches("Mr O'BrienXjr"));
    let q = LikePattern::parse("'a_c%'").unwrap();
    assert!(q.matches("abc"));
    assert!(q.matches("AXCdef"));
    assert!(!q.matches("ac"));
    assert!(LikePattern::parse(r"'\x'").is_err());
    let escaped = format!("'%{}%'", escape_like("50%_off").unwrap());
    let p = LikePattern::parse(&escaped).unwrap();
    assert!(p.matches("get 50%_off now"));
    assert!(!p.matches("get 50 percent off"));
    assert!(!p.matches("get 50%xoff"));
}

#[test]
fn tokenizer_splits_operators_words_and_literals() {
    let t = tokenize(r"(A != 'x\'y' AND B <= 2024-05-01T10:00:00Z) OR C IN ('a','b')").unwrap();
    assert_eq!(t[0], Token::Punct("("));
    assert_eq!(t[2], Token::Punct("!="));
    assert_eq!(t[3], Token::Str(r"'x\'y'"));
    assert_eq!(t[6], Token::Punct("<="));
    assert_eq!(t[7], Token::Word("2024-05-01T10:00:00Z"));
    assert!(tokenize("A = 'open").is_err());
    assert!(tokenize("A = ;").is_err());
}

fn allowed_string() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| {
        s.chars()
            .filter(|c| !c.is_control() || "\n\r\t\u{8}\u{c}".contains(*c))
            .collect()
    })
}

proptest! {
    #[test]
    fn quoted_strings_parse_back_to_themselves(s in allowed_string()) {
        let q = quote(&s).unwrap();
        prop_assert_eq!(unescape_literal(&q).unwrap(), s.clone());
        let tokens = tokenize(&q).unwrap();
        prop_assert_eq!(tokens, vec![Token::Str(&q)]);
    }

    #[test]
    fn like_escaped_strings_match_only_literally(s in allowed_string()) {
        let pattern = LikePattern::parse(&format!("'{}'", escape_like(&s).unwrap())).unwrap();
        prop_assert!(pattern.0.iter().all(|t| matches!(t, LikeToken::Char(_))));
        prop_assert!(pattern.matches(&s));
    }

    #[test]
    fn forbidden_controls_are_always_refused(prefix in allowed_string(), c in 0u32..0x20) {
        let c = char::from_u32(c).unwrap();
        prop_assume!(!"\n\r\t\u{8}\u{c}".contains(c));
        prop_assert_eq!(escape_string(&format!("{prefix}{c}")), Err(SoqlError::ControlChar(c as u32)));
    }
}

#[test]
fn check_string_agrees_with_escape_string() {
    for s in ["ok", "a\nb\t", "nul\u{0}", "\u{85}", "esc\u{1b}"] {
        assert_eq!(check_string(s).is_ok(), escape_string(s).is_ok(), "{s:?}");
    }
    assert_eq!(check_string("x\u{7}"), Err(SoqlError::ControlChar(7)));
}
