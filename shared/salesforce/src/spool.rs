//! An ingest job's CSV spooled to an unnamed temporary file and streamed back as the request
//! body in fixed-size chunks: a 100 MB upload costs a few hundred kilobytes of memory, not
//! 100 MB (reference §15.2; issue #15, memory flat in the record count).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes buffered before a write to the file, and bytes per chunk of the request body.
const CHUNK: usize = 256 * 1024;

/// A file-backed writer that counts what it took.
pub(crate) struct Spool {
    out: BufWriter<File>,
    len: u64,
}

impl Spool {
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            out: BufWriter::with_capacity(CHUNK, unnamed_file()?),
            len: 0,
        })
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The file holding every byte written, and how many.
    pub fn finish(self) -> io::Result<(File, u64)> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok((file, self.len))
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A new file in the temporary directory, unlinked at once: nothing is left behind, even by a
/// crash, and the disk space returns when the file is dropped.
fn unnamed_file() -> io::Result<File> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "jingsf-ingest-{}-{}.csv",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let path = std::env::temp_dir().join(name);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

/// The first `len` bytes of `file` as a request body, read one chunk at a time as it is sent
/// (positioned reads: a replay after a token refresh starts again from the first byte).
pub(crate) fn file_body(file: Arc<File>, len: u64) -> reqwest::Body {
    let chunks = futures::stream::try_unfold(0u64, move |offset| {
        let file = Arc::clone(&file);
        async move {
            if offset >= len {
                return Ok(None);
            }
            let want = usize::try_from((len - offset).min(CHUNK as u64)).unwrap_or(CHUNK);
            let chunk = tokio::task::spawn_blocking(move || {
                let mut buf = vec![0; want];
                file.read_exact_at(&mut buf, offset).map(|()| buf)
            })
            .await
            .map_err(io::Error::other)??;
            Ok::<_, io::Error>(Some((chunk, offset + want as u64)))
        }
    });
    reqwest::Body::wrap_stream(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_spool_keeps_every_byte_and_counts_them() {
        let mut spool = Spool::new().unwrap();
        let line = b"LastName,Email\n";
        for _ in 0..50_000 {
            spool.write_all(line).unwrap();
        }
        assert_eq!(spool.len(), 50_000 * line.len() as u64);
        let (mut file, len) = spool.finish().unwrap();
        assert_eq!(len, 50_000 * line.len() as u64);
        let mut back = Vec::new();
        use std::io::Seek;
        file.seek(io::SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back.len() as u64, len);
        assert!(back.chunks(line.len()).all(|c| c == line));
    }
}
