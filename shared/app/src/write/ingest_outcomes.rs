//! A finished ingest job's outcomes, held compactly by row key while its staged rows are
//! committed page by page. Results arrive in no particular order, so they are kept until their
//! row's page comes — but as a created row's 18-character id inline, not as the result list's
//! CSV or as `WriteResult`s: about 40 bytes a row, a 200,000-row job's in 8 MB, whatever the
//! size of the initialization.

use crate::ports::{KeyedResults, RemoteError, WriteResult};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Result pairs read per chunk of a result list.
const CHUNK: usize = 5_000;

/// One row's outcome as held.
enum Held {
    /// Created, with an 18-character id.
    Created([u8; 18]),
    /// Anything else (refused, duplicate, unprocessed, or an id of another length): rare.
    Other(Box<WriteResult>),
}

impl Held {
    fn of(result: WriteResult) -> Self {
        match &result {
            WriteResult::Ok(id) => match <[u8; 18]>::try_from(id.as_bytes()) {
                Ok(bytes) => Self::Created(bytes),
                Err(_) => Self::Other(Box::new(result)),
            },
            _ => Self::Other(Box::new(result)),
        }
    }

    fn into_result(self) -> WriteResult {
        match self {
            // The bytes came from a `String`: valid UTF-8.
            Self::Created(bytes) => WriteResult::Ok(String::from_utf8_lossy(&bytes).into_owned()),
            Self::Other(result) => *result,
        }
    }
}

/// Outcomes by row key. Rows uploaded with identical cells share a key and are
/// interchangeable: the second and later of a key wait in `more`.
#[derive(Default)]
pub(crate) struct JobOutcomes {
    first: HashMap<u64, Held>,
    more: HashMap<u64, Vec<Held>>,
}

impl JobOutcomes {
    /// Read every result list of a job, a chunk at a time.
    pub(crate) async fn read(mut results: KeyedResults) -> Result<Self, RemoteError> {
        let mut out = Self::default();
        loop {
            let chunk = results.next_chunk(CHUNK).await?;
            if chunk.is_empty() {
                return Ok(out);
            }
            out.first.reserve(chunk.len());
            for (key, result) in chunk {
                out.add(key, result);
            }
        }
    }

    fn add(&mut self, key: u64, result: WriteResult) {
        let held = Held::of(result);
        match self.first.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(held);
            }
            Entry::Occupied(_) => self.more.entry(key).or_default().push(held),
        }
    }

    /// The outcome of one row with `key`, once (`None`: the job reported none for it).
    pub(crate) fn take(&mut self, key: u64) -> Option<WriteResult> {
        if let Some(others) = self.more.get_mut(&key) {
            let held = others.pop();
            if others.is_empty() {
                self.more.remove(&key);
            }
            return held.map(Held::into_result);
        }
        self.first.remove(&key).map(Held::into_result)
    }

    /// Outcomes not taken yet.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.first.len() + self.more.values().map(Vec::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{ErrorCode, SyncError};

    const ID: &str = "00Q000000000001AAA";

    #[tokio::test]
    async fn every_outcome_is_given_once_whatever_its_kind_or_key() {
        let refused = WriteResult::Failed(SyncError::new(ErrorCode::RequiredValueMissing));
        let pairs = vec![
            (1, WriteResult::Ok(ID.to_owned())),
            (2, refused.clone()),
            (3, WriteResult::Ok("001short".to_owned())),
            // Two rows with identical cells: one key, two outcomes.
            (4, WriteResult::Ok("00Q000000000002AAA".to_owned())),
            (4, WriteResult::Ok("00Q000000000003AAA".to_owned())),
        ];
        let mut held = JobOutcomes::read(KeyedResults::from_vec(pairs))
            .await
            .unwrap();
        assert_eq!(held.len(), 5);
        assert_eq!(held.take(1), Some(WriteResult::Ok(ID.to_owned())));
        assert_eq!(held.take(1), None);
        assert_eq!(held.take(2), Some(refused));
        assert_eq!(held.take(3), Some(WriteResult::Ok("001short".to_owned())));
        let mut twins = [held.take(4), held.take(4)].map(|r| match r {
            Some(WriteResult::Ok(id)) => id,
            other => panic!("{other:?}"),
        });
        twins.sort();
        assert_eq!(twins, ["00Q000000000002AAA", "00Q000000000003AAA"]);
        assert_eq!(held.take(4), None);
        assert_eq!(held.len(), 0);
    }
}
