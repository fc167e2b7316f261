//! Row bodies stored compressed: the JSON of a binding or a staged create, LZ4-compressed into a
//! BLOB. A binding's JSON repeats its field names and timestamps (~2.9 KB for a 7-field lead);
//! packed it is ~0.7 KB and fits in its B-tree cell, where the JSON spilled into an overflow page
//! of its own. Measured on a 20k JING → Salesforce initialization: 4.5 KB of pages per binding
//! and one 4 KB page per staged row before, so every random insert dirtied two pages and the
//! page cache held a fifth of the rows it holds now.
//!
//! Reading accepts both forms: rows written as TEXT JSON before bodies were packed still decode,
//! so an existing database needs no migration (a row is packed the next time it is written).

use crate::db::{DbError, DbResult};
use app::ports::StoreError;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

/// First byte of a packed body: the format, so another codec can follow without a migration.
const LZ4_BLOCK: u8 = 1;

/// The largest body a packed row may claim to hold: a corrupt size prefix must not make the
/// reader allocate gigabytes (real bodies are a few KB).
const MAX_UNPACKED: usize = 16 << 20;

/// Serialize `v` to JSON and compress it: `[LZ4_BLOCK][u32 LE length][LZ4 block]`.
pub(crate) fn pack<T: serde::Serialize>(v: &T) -> DbResult<Vec<u8>> {
    let json = serde_json::to_vec(v)
        .map_err(|e| DbError::from(StoreError::Corrupt(format!("cannot encode: {e}"))))?;
    let block = lz4_flex::compress_prepend_size(&json);
    let mut out = Vec::with_capacity(1 + block.len());
    out.push(LZ4_BLOCK);
    out.extend_from_slice(&block);
    Ok(out)
}

/// A body as stored: packed (BLOB) or plain JSON (TEXT, rows from before packing).
pub(crate) enum Stored {
    Json(Vec<u8>),
    Packed(Vec<u8>),
}

impl FromSql for Stored {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Text(t) => Ok(Self::Json(t.to_vec())),
            ValueRef::Blob(b) => Ok(Self::Packed(b.to_vec())),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl Stored {
    /// Decode the body; a failure means the row is corrupt or from an unknown format.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self) -> DbResult<T> {
        let json = match self {
            Self::Json(j) => std::borrow::Cow::Borrowed(j.as_slice()),
            Self::Packed(p) => std::borrow::Cow::Owned(unpack(p)?),
        };
        serde_json::from_slice(&json).map_err(|e| {
            let why = domain::redact::json_error(&e);
            corrupt(format!("stored row does not decode: {why}"))
        })
    }
}

fn unpack(packed: &[u8]) -> DbResult<Vec<u8>> {
    let Some((&LZ4_BLOCK, block)) = packed.split_first() else {
        let tag = packed.first().copied();
        return Err(corrupt(format!("stored body has unknown format {tag:?}")));
    };
    let size = block
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| corrupt("stored body is truncated".into()))?;
    if size > MAX_UNPACKED {
        return Err(corrupt(format!("stored body claims {size} bytes")));
    }
    lz4_flex::decompress_size_prepended(block)
        .map_err(|e| corrupt(format!("stored body does not decompress: {e}")))
}

fn corrupt(why: String) -> DbError {
    StoreError::Corrupt(why).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::store_error;
    use serde_json::json;

    fn decoded(stored: Stored) -> app::ports::StoreResult<serde_json::Value> {
        stored.decode().map_err(store_error)
    }

    #[test]
    fn a_packed_body_decodes_to_what_was_packed_and_is_smaller() {
        let stamp = "2026-12-07T22:05:18.295053476Z";
        let v = json!({"views": (0..20).map(|i| json!({"field": i, "at": stamp, "noted": stamp})).collect::<Vec<_>>()});
        let packed = pack(&v).map_err(store_error).unwrap();
        let json_len = serde_json::to_vec(&v).unwrap().len();
        assert!(
            packed.len() * 3 < json_len,
            "{} vs {json_len}",
            packed.len()
        );
        let back = decoded(Stored::Packed(packed)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn plain_json_rows_written_before_packing_still_decode() {
        let back = decoded(Stored::Json(br#"{"a":1}"#.to_vec())).unwrap();
        assert_eq!(back, json!({"a": 1}));
    }

    #[test]
    fn corrupt_packed_bodies_are_reported_not_allocated() {
        let cases: [&[u8]; 4] = [
            &[],
            &[9, 1, 2],
            &[LZ4_BLOCK, 1],
            &[LZ4_BLOCK, 0xff, 0xff, 0xff, 0x7f, 0],
        ];
        for bytes in cases {
            let r = decoded(Stored::Packed(bytes.to_vec()));
            assert!(matches!(r, Err(StoreError::Corrupt(_))), "{bytes:?}");
        }
    }
}
