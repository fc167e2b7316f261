//! Every parser property at CI size: 256 cases each by default (`PROPTEST_CASES=n` for more), a
//! 64th of that for the properties on 1 MB inputs. The million-case runs are
//! `cargo run --profile fuzz -p parser-fuzz --example fuzz_parsers`.

use proptest::test_runner::Config;

/// Run the registered property `name` at CI size.
fn run(name: &str) {
    let all = parser_fuzz::properties();
    let p = all
        .iter()
        .find(|p| p.name == name)
        .expect("a registered property");
    // At least a few cases, so that even the 1 MB inputs are tried.
    let cases = (Config::default().cases / p.divisor).max(4);
    let result = (p.run)(parser_fuzz::config(cases));
    assert!(result.is_ok(), "{}", result.unwrap_err());
}

macro_rules! properties {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*

        /// A property added to the registry gets its test here too.
        #[test]
        fn every_property_has_a_test() {
            let mut tested = vec![$(stringify!($name)),*];
            let mut registered: Vec<&str> =
                parser_fuzz::properties().iter().map(|p| p.name).collect();
            tested.sort_unstable();
            registered.sort_unstable();
            assert_eq!(tested, registered);
        }
    };
}

properties! {
    // outbound messages
    valid_envelopes_parse_to_what_they_say,
    mutated_envelopes_get_a_typed_answer,
    truncated_envelopes_are_refused,
    hostile_xml_is_refused_or_skipped,
    arbitrary_bytes_get_a_typed_answer,
    envelopes_at_the_size_cap,
    // JING webhooks
    signed_events_parse_to_what_they_say,
    tampered_deliveries_are_never_accepted,
    mutated_bodies_get_a_typed_answer,
    arbitrary_requests_get_a_typed_answer,
    bodies_at_the_size_cap,
    // scope conditions
    scopes_from_json_get_a_typed_answer,
    mutated_scope_json_gets_a_typed_answer,
    typed_scopes_render_what_the_simulator_reads,
    // jingsf.toml
    documents_parse_to_what_they_say,
    mutated_documents_get_a_typed_answer,
    deep_nesting_gets_a_typed_answer,
    // SOQL literals
    literals_round_trip_through_the_simulator,
    both_parsers_read_quoted_text_alike,
}
