//! Byte-level mutations of a valid document: the structured half of "arbitrary input". A few edits
//! keep most of the document valid, so the parser is driven deep into its states instead of
//! stopping at the first byte, as pure random bytes would.

use proptest::prelude::*;
use proptest::sample::Index;

/// One edit of a byte string. Positions are [`Index`]es, resolved against the current length.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Keep the bytes before the position.
    Truncate(Index),
    /// Remove up to `len` bytes at the position.
    Delete(Index, usize),
    /// Insert bytes (a dictionary token or random bytes) at the position.
    Insert(Index, Vec<u8>),
    /// Copy up to `len` bytes from the first position to the second (splices elements and
    /// attributes into places they do not belong).
    Duplicate(Index, usize, Index),
    /// Overwrite one byte.
    Overwrite(Index, u8),
}

/// One to `max` mutations; inserted tokens come from `dictionary` (the syntax of the format) or
/// are random bytes, invalid UTF-8 included.
pub fn mutations(
    dictionary: &'static [&'static str],
    max: usize,
) -> impl Strategy<Value = Vec<Mutation>> {
    let token = prop_oneof![
        4 => prop::sample::select(dictionary).prop_map(|t| t.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..8),
    ];
    let one = prop_oneof![
        1 => any::<Index>().prop_map(Mutation::Truncate),
        3 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        4 => (any::<Index>(), token).prop_map(|(i, t)| Mutation::Insert(i, t)),
        2 => (any::<Index>(), 1usize..256, any::<Index>())
            .prop_map(|(from, n, to)| Mutation::Duplicate(from, n, to)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
    ];
    prop::collection::vec(one, 1..=max)
}

/// `input` with the mutations applied in order.
pub fn apply(input: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = input.to_vec();
    for m in mutations {
        let at = |i: &Index, len: usize| i.index(len + 1);
        match m {
            Mutation::Truncate(i) => out.truncate(at(i, out.len())),
            Mutation::Delete(i, n) => {
                let start = at(i, out.len());
                let end = (start + n).min(out.len());
                out.drain(start..end);
            }
            Mutation::Insert(i, bytes) => {
                let pos = at(i, out.len());
                out.splice(pos..pos, bytes.iter().copied());
            }
            Mutation::Duplicate(from, n, to) => {
                let start = at(from, out.len());
                let piece = out[start..(start + n).min(out.len())].to_vec();
                let pos = at(to, out.len());
                out.splice(pos..pos, piece);
            }
            Mutation::Overwrite(i, b) => {
                if !out.is_empty() {
                    let pos = i.index(out.len());
                    out[pos] = *b;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn index(runner: &mut TestRunner) -> Index {
        any::<Index>().new_tree(runner).unwrap().current()
    }

    #[test]
    fn edits_stay_inside_the_input() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let (a, b) = (index(&mut runner), index(&mut runner));
            let out = apply(
                b"<a>text</a>",
                &[
                    Mutation::Duplicate(a, 300, b),
                    Mutation::Delete(b, 500),
                    Mutation::Insert(a, b"&x;".to_vec()),
                ],
            );
            assert!(out.len() <= 2 * 11 + 3);
        }
        assert_eq!(
            apply(b"", &[Mutation::Overwrite(index(&mut runner), 1)]),
            b""
        );
    }
}
