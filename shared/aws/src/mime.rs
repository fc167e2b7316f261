//! A minimal MIME writer for `multipart/alternative` (text + html), UTF-8, base64 parts: the
//! raw form of the digest mail, so what arrives can be checked byte for byte.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Longest encoded word is 75 characters; 45 bytes of UTF-8 encode to 60.
const WORD_BYTES: usize = 45;
const LINE: usize = 76;

/// A header value: plain when printable ASCII, else RFC 2047 encoded words (folded).
pub(crate) fn header_value(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > WORD_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", STANDARD.encode(w)))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

fn base64_lines(text: &str) -> String {
    let encoded = STANDARD.encode(text);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(LINE)
        .map(|l| std::str::from_utf8(l).unwrap_or_default())
        .collect();
    lines.join("\r\n")
}

fn part(content_type: &str, body: &str) -> String {
    format!(
        "Content-Type: {content_type}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        base64_lines(body)
    )
}

/// The whole message. Addresses must already be checked for CR/LF (header injection).
pub(crate) fn multipart(
    from: &str,
    to: &str,
    subject: &str,
    text: &str,
    html: &str,
    boundary: &str,
) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\n{}--{boundary}\r\n{}--{boundary}--\r\n",
        header_value(subject),
        part("text/plain", text),
        part("text/html", html),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_subjects_stay_plain_and_others_become_short_encoded_words() {
        assert_eq!(header_value("Digest: 3 errors"), "Digest: 3 errors");
        let encoded = header_value(&"同步错误摘要".repeat(10));
        for word in encoded.split("\r\n ") {
            assert!(word.starts_with("=?UTF-8?B?") && word.len() <= 75, "{word}");
        }
        let decoded: String = encoded
            .split("\r\n ")
            .map(|w| {
                let b64 = w.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
                String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
            })
            .collect();
        assert_eq!(decoded, "同步错误摘要".repeat(10));
    }

    #[test]
    fn body_lines_are_at_most_76_characters() {
        let m = multipart(
            "a@x.cn",
            "b@y.cn",
            "s",
            &"长".repeat(500),
            "<p>h</p>",
            "BOUNDARY",
        );
        assert!(m.split("\r\n").all(|l| l.len() <= 78), "{m}");
        assert!(m.ends_with("--BOUNDARY--\r\n"));
    }
}
