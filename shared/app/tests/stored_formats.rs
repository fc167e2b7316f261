//! Stored bindings and queued changes written before texts and field names became shared
//! (`Arc<str>`) read back to the same values and serialize to the same bytes: stored data and
//! the queue / Lambda bodies do not change with the in-memory representation.

use domain::{Change, Value};
use jingsf_app::ports::Binding;

/// A binding as the store held it (last synced texts, a number, views with an overwritten value).
const STORED_BINDING: &str = r#"{"app":"app_1","object":"lead","sf_id":"00q000000000001AAA","jing_id":"jUuid1","version":3,"last_synced":{"Email":{"t":"text","v":"zhang.san@example.cn"},"LastName":{"t":"text","v":"张三"},"NumberOfEmployees":{"t":"number","v":12.0}},"sf_written":42,"jing_written":null,"synced_at":"2024-05-01T10:05:00Z","last_origin":"jing","source_time":"2024-05-01T10:00:00Z","field_sync":{"LastName":{"origin":"jing","source_time":"2024-05-01T10:00:00Z","synced_at":"2024-05-01T10:05:00Z"}},"views":{"LastName":{"salesforce":{"at":"2024-05-01T10:05:00Z","overwritten":{"t":"text","v":"李四"},"by_us":true,"noted":"2024-05-01T10:05:00Z"},"jing":{"value":{"t":"text","v":"张三丰"},"at":"2024-05-01T10:00:00Z","held":true,"noted":"2024-05-01T10:05:00Z"}}},"converted_to":null,"name":"张三"}"#;

/// A queued change as the queue held it (texts, a multi-select, an empty value).
const QUEUED_CHANGE: &str = r#"{"v":1,"app":"app_1","object":"lead","record":{"side":"jing","id":"jUuid1"},"op":"upsert","source_time":"2024-05-01T10:00:00Z","actor":{"kind":"human","id":null},"lane":"live","fields":{"email":{"before":{"t":"text","v":"old@example.cn"},"after":{"t":"text","v":"zhang.san@example.cn"}},"name":{"after":{"t":"text","v":"张三"}},"remark":{"after":{"t":"empty"}},"tags":{"after":{"t":"multi","v":["a","b"]}}}}"#;

#[test]
fn a_stored_binding_reads_back_and_serializes_to_the_same_bytes() {
    let b: Binding = serde_json::from_str(STORED_BINDING).unwrap();
    assert_eq!(b.last_synced["LastName"], Value::Text("张三".into()));
    let view = &b.views["LastName"];
    let jing = view.jing.as_ref().unwrap();
    assert_eq!(jing.value, Some(Value::Text("张三丰".into())));
    assert_eq!(serde_json::to_string(&b).unwrap(), STORED_BINDING);
}

#[test]
fn a_queued_change_reads_back_and_serializes_to_the_same_bytes() {
    let c: Change = serde_json::from_str(QUEUED_CHANGE).unwrap();
    assert_eq!(c.fields["name"].after, Value::Text("张三".into()));
    assert_eq!(
        c.fields["email"].before,
        Some(Value::Text("old@example.cn".into()))
    );
    assert_eq!(serde_json::to_string(&c).unwrap(), QUEUED_CHANGE);
}
