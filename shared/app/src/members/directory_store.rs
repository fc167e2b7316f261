//! The member directory kept in the [`CursorStore`], in chunks: a directory of thousands of
//! users outgrows one DynamoDB item (400 KB), so its JSON is cut into pieces of at most
//! [`CHUNK_BYTES`]. Two slots take turns: the new chunks are written into the slot not in use
//! and the head naming it goes last, so a reader never sees half a directory. Cursors are
//! purged with the app, and the directory with them.

use super::MemberDirectory;
use crate::ports::{CursorStore, StoreError};
use domain::AppId;
use serde::{Deserialize, Serialize};

const HEAD_KEY: &str = "members:directory";
/// Well under DynamoDB's 400 KB item limit (key and attribute names count too).
pub const CHUNK_BYTES: usize = 300_000;

/// Why the stored directory could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryStoreError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A chunk is missing or the pieces do not make the directory (a save interrupted in a
    /// way the two slots do not cover): the next member sync writes it anew.
    #[error("stored member directory is unreadable: {0}")]
    Corrupt(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Head {
    slot: u8,
    chunks: usize,
    bytes: usize,
}

fn chunk_key(slot: u8, i: usize) -> String {
    format!("{HEAD_KEY}:{slot}:{i}")
}

/// Cut `s` into pieces of at most `max` bytes, each ending on a character boundary.
fn chunks(s: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, tail) = rest.split_at(end);
        out.push(piece);
        rest = tail;
    }
    out
}

async fn head(cursors: &dyn CursorStore, app: &AppId) -> Result<Option<Head>, DirectoryStoreError> {
    let Some(raw) = cursors.get(app, HEAD_KEY).await? else {
        return Ok(None);
    };
    serde_json::from_str(&raw)
        .map(Some)
        .map_err(|e| DirectoryStoreError::Corrupt(e.to_string()))
}

/// Store the directory (replacing the previous one once every chunk is written).
pub async fn save_directory(
    cursors: &dyn CursorStore,
    app: &AppId,
    directory: &MemberDirectory,
) -> Result<(), DirectoryStoreError> {
    let json = serde_json::to_string(directory)
        .map_err(|e| DirectoryStoreError::Corrupt(e.to_string()))?;
    let slot = match head(cursors, app).await {
        Ok(Some(h)) => 1 - h.slot.min(1),
        _ => 0,
    };
    let pieces = chunks(&json, CHUNK_BYTES);
    for (i, piece) in pieces.iter().enumerate() {
        cursors.put(app, &chunk_key(slot, i), piece).await?;
    }
    let head = Head {
        slot,
        chunks: pieces.len(),
        bytes: json.len(),
    };
    let raw =
        serde_json::to_string(&head).map_err(|e| DirectoryStoreError::Corrupt(e.to_string()))?;
    cursors.put(app, HEAD_KEY, &raw).await?;
    Ok(())
}

/// The stored directory; `None` before the first member sync.
pub async fn load_directory(
    cursors: &dyn CursorStore,
    app: &AppId,
) -> Result<Option<MemberDirectory>, DirectoryStoreError> {
    let Some(head) = head(cursors, app).await? else {
        return Ok(None);
    };
    let mut json = String::with_capacity(head.bytes);
    for i in 0..head.chunks {
        let piece = cursors
            .get(app, &chunk_key(head.slot, i))
            .await?
            .ok_or_else(|| DirectoryStoreError::Corrupt(format!("chunk {i} is missing")))?;
        json.push_str(&piece);
    }
    if json.len() != head.bytes {
        return Err(DirectoryStoreError::Corrupt(format!(
            "{} bytes read, {} written",
            json.len(),
            head.bytes
        )));
    }
    serde_json::from_str(&json)
        .map(Some)
        .map_err(|e| DirectoryStoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::MemCursorStore;
    use crate::ports::{Employee, SfUser};
    use domain::{JingId, SfId};
    use time::macros::datetime;

    fn directory(users: usize) -> MemberDirectory {
        let users = (0..users)
            .map(|i| SfUser {
                id: SfId::parse(&format!("005{i:012}AAA")).unwrap(),
                name: format!("用户{i} 张三丰"),
                email: Some(format!("user{i}@acme.example")),
                mobile: Some(format!("+86 138 {:04} {:04}", i / 10_000, i % 10_000)),
                active: i % 7 != 0,
            })
            .collect();
        MemberDirectory {
            taken_at: datetime!(2026-12-07 09:00 UTC),
            users,
            employees: vec![Employee {
                id: JingId::parse("emp-1").unwrap(),
                name: "王五".into(),
                mobile: None,
                email: None,
            }],
        }
    }

    #[test]
    fn chunks_end_on_character_boundaries_and_join_back() {
        let s = "张三a李四b".repeat(100);
        for max in [1, 2, 3, 4, 7, 64, 10_000] {
            let pieces = chunks(&s, max.max(3));
            assert!(
                pieces
                    .iter()
                    .all(|p| p.len() <= max.max(3) && !p.is_empty())
            );
            assert_eq!(pieces.concat(), s);
        }
        assert!(chunks("", 10).is_empty());
    }

    #[tokio::test]
    async fn a_large_directory_is_stored_in_chunks_and_read_back_whole() {
        let store = MemCursorStore::default();
        let app = AppId::parse("acme").unwrap();
        assert_eq!(load_directory(&store, &app).await.unwrap(), None);
        let big = directory(8_000);
        save_directory(&store, &app, &big).await.unwrap();
        let head: Head =
            serde_json::from_str(&store.get(&app, HEAD_KEY).await.unwrap().unwrap()).unwrap();
        assert!(head.chunks > 1, "8,000 users take several chunks");
        for i in 0..head.chunks {
            let piece = store
                .get(&app, &chunk_key(head.slot, i))
                .await
                .unwrap()
                .unwrap();
            assert!(piece.len() <= CHUNK_BYTES);
        }
        assert_eq!(load_directory(&store, &app).await.unwrap(), Some(big));
        // The next save goes to the other slot; the smaller directory reads back alone.
        let small = directory(3);
        save_directory(&store, &app, &small).await.unwrap();
        assert_eq!(load_directory(&store, &app).await.unwrap(), Some(small));
    }

    #[tokio::test]
    async fn a_missing_chunk_is_reported_not_misread() {
        let store = MemCursorStore::default();
        let app = AppId::parse("acme").unwrap();
        let head = Head {
            slot: 0,
            chunks: 2,
            bytes: 10,
        };
        store
            .put(&app, HEAD_KEY, &serde_json::to_string(&head).unwrap())
            .await
            .unwrap();
        store
            .put(&app, &chunk_key(0, 0), "{\"a\":1}")
            .await
            .unwrap();
        let err = load_directory(&store, &app).await.unwrap_err();
        assert!(matches!(err, DirectoryStoreError::Corrupt(_)), "{err}");
    }
}
