//! Row bodies stored compressed: the JSON of a binding or a staged create, LZ4-compressed into a
//! BLOB. A binding's JSON repeats its field names and timestamps (~2.9 KB for a 7-field lead);
//! packed it is ~0.7 KB and fits in its B-tree cell, where the JSON spilled into an overflow page
//! of its own. Measured on a 20k JING → Salesforce initialization: 4.5 KB of pages per binding
//! and one 4 KB page per staged row before, so every random insert dirtied two pages and the
//! page cache held a fifth of the rows it holds now.
//!
//! Reading accepts both forms: rows written as TEXT JSON before bodies were packed still decode,
//! so an existing database needs no migration (a row is packed the next time it is written).

use crate::db::{DbError, DbResult, decode_bytes, encode};
use app::ports::StoreError;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

/// First byte of a packed body: the format, so another codec can follow without a migration.
const LZ4_BLOCK: u8 = 1;
/// The format byte and the JSON's length (u32, little-endian) before the block.
const HEADER: usize = 5;

/// The largest body a packed row may claim to hold: a corrupt size prefix must not make the
/// reader allocate gigabytes (real bodies are a few KB).
const MAX_UNPACKED: usize = 16 << 20;

/// Serialize `v` to JSON and compress it: `[LZ4_BLOCK][u32 LE length][LZ4 block]`, compressed
/// straight into the row's buffer.
pub(crate) fn pack<T: serde::Serialize>(v: &T) -> DbResult<Vec<u8>> {
    let json = encode(v)?;
    let json = json.as_bytes();
    let len = u32::try_from(json.len())
        .map_err(|_| corrupt(format!("a body of {} bytes is too large", json.len())))?;
    let mut out = vec![0; HEADER + lz4_flex::block::get_maximum_output_size(json.len())];
    out[0] = LZ4_BLOCK;
    out[1..HEADER].copy_from_slice(&len.to_le_bytes());
    let n = lz4_flex::block::compress_into(json, &mut out[HEADER..])
        .map_err(|e| corrupt(format!("cannot compress: {e}")))?;
    out.truncate(HEADER + n);
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
        match self {
            Self::Json(json) => decode_bytes(json),
            Self::Packed(packed) => decode_bytes(&unpack(packed)?),
        }
    }
}

fn unpack(packed: &[u8]) -> DbResult<Vec<u8>> {
    let (tag, size, block) = match packed {
        [tag, a, b, c, d, block @ ..] => (*tag, u32::from_le_bytes([*a, *b, *c, *d]), block),
        _ => return Err(corrupt("stored body is truncated".into())),
    };
    if tag != LZ4_BLOCK {
        return Err(corrupt(format!("stored body has unknown format {tag}")));
    }
    let size = size as usize;
    if size > MAX_UNPACKED {
        return Err(corrupt(format!("stored body claims {size} bytes")));
    }
    lz4_flex::block::decompress(block, size)
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
