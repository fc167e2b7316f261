//! The natural idempotency key of a JING event. JING sends no event id (reference §7.5), so the
//! key is `mid` + object + `entity_id` + `action_keyword` + `create_time` + a hash of
//! `mapping_data`: a redelivery of the same event gives the same key, a different change of the
//! same record in the same second does not.

use super::parse::Payload;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

pub(crate) fn key(mid: &str, payload: &Payload, keyword: &str) -> String {
    let x = &payload.extra_data;
    let mut canonical = String::new();
    write_canonical(&Json::Object(x.mapping_data.clone()), &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    let hash: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "jing:{mid}:{}:{}:{keyword}:{}:{hash}",
        x.object_name, x.entity_id, payload.create_time
    )
}

/// JSON with object keys sorted at every level, so key order in the body does not matter.
fn write_canonical(v: &Json, out: &mut String) {
    match v {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_form_ignores_key_order() {
        let mut a = String::new();
        let mut b = String::new();
        write_canonical(&json!({"b": [1, {"y": 2, "x": 1}], "a": null}), &mut a);
        write_canonical(&json!({"a": null, "b": [1, {"x": 1, "y": 2}]}), &mut b);
        assert_eq!(a, b);
        assert_eq!(a, r#"{"a":null,"b":[1,{"x":1,"y":2}]}"#);
    }
}
