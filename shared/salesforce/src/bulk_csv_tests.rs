use super::*;

const PAGE: &[u8] = b"\"Id\",\"LastName\",\"Description\",\"Title\"\n\
\"00Q000000000001AAA\",\"Ng, \"\"Jr\"\"\",\"two\nlines\",\n\
\"00Q000000000002AAA\",\"\xe7\x8e\x8b\xe4\xbc\x9f\",\"\",\"CEO\"\n\
\"00Q000000000003AAA\",\"Last\",\"no line feed at the end\",\"x\"";

async fn streamed(chunks: Vec<Vec<u8>>) -> (Vec<String>, Vec<Record>) {
    let mut s = CsvStream::from_chunks(chunks).await.unwrap();
    let headers = s.headers().map(str::to_owned).collect();
    let mut rows = Vec::new();
    while let Some(r) = s.next_row().await.unwrap() {
        rows.push(r);
    }
    (headers, rows)
}

#[tokio::test]
async fn a_body_split_anywhere_parses_as_the_whole_body_does() {
    let whole = CsvRows::new(PAGE.to_vec()).unwrap();
    let headers: Vec<String> = whole.headers().map(str::to_owned).collect();
    let rows = whole.collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].0["Description"], "two\nlines");
    assert_eq!(rows[0].0["LastName"], "Ng, \"Jr\"");
    assert_eq!(rows[1].0["Description"], Value::Null);
    for split in 0..=PAGE.len() {
        let chunks = vec![PAGE[..split].to_vec(), PAGE[split..].to_vec()];
        assert_eq!(
            streamed(chunks).await,
            (headers.clone(), rows.clone()),
            "split at {split}"
        );
    }
    let bytes: Vec<Vec<u8>> = PAGE.iter().map(|b| vec![*b]).collect();
    assert_eq!(streamed(bytes).await, (headers, rows), "byte by byte");
}

#[tokio::test]
async fn an_empty_page_has_its_header_and_no_rows() {
    let (headers, rows) = streamed(vec![b"\"Id\",\"Name\"\n".to_vec()]).await;
    assert_eq!(headers, ["Id", "Name"]);
    assert!(rows.is_empty());
    let (headers, rows) = streamed(Vec::new()).await;
    assert!(headers.is_empty() && rows.is_empty());
}

#[tokio::test]
async fn a_record_with_a_wrong_field_count_is_refused_even_in_a_later_chunk() {
    let chunks = vec![b"Id,Name\nA,b\n".to_vec(), b"C,d,e\n".to_vec()];
    let mut s = CsvStream::from_chunks(chunks).await.unwrap();
    assert!(s.next_row().await.unwrap().is_some());
    let err = s.next_row().await.unwrap_err();
    assert!(matches!(err, SfError::Decode(_)), "{err:?}");
}
