//! The typical benign API request of the engine's speed target (10 query arguments, a
//! 1 KB JSON body, 12 headers), shared by the criterion bench and `examples/profile.rs`.

use waf_engine::RequestParts;

pub fn benign_json_body() -> Vec<u8> {
    let mut items = Vec::new();
    for i in 0..8 {
        items.push(format!(
            r#"{{"sku":"SKU-{i:04}","name":"Walnut desk organiser {i}","qty":{q},"price":{p}.99,"tags":["home","office"]}}"#,
            q = i + 1,
            p = 10 + i
        ));
    }
    format!(
        r#"{{"customer":{{"id":"c_8f3a2b","email":"jane.doe@example.com","name":"Jane O'Neil"}},"items":[{}],"note":"Please leave it at the door, thanks!"}}"#,
        items.join(",")
    )
    .into_bytes()
}

pub const HEADERS: [(&str, &[u8]); 12] = [
    ("host", b"shop.example.com"),
    ("user-agent", b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    ("accept", b"application/json"),
    ("accept-language", b"en-GB,en;q=0.9"),
    ("accept-encoding", b"gzip, deflate, br"),
    ("content-type", b"application/json"),
    ("content-length", b"1024"),
    ("cookie", b"sid=0cb1e29c658cda1495e60af593bd04cf; theme=dark; consent=analytics%3Dno"),
    ("referer", b"https://shop.example.com/cart"),
    ("origin", b"https://shop.example.com"),
    ("x-request-id", b"4f1c2a9e-8d7b-4c3a-9f1e-2b6d5a4c3e21"),
    ("sec-fetch-mode", b"cors"),
];

pub const QUERY: &str = "page=2&per_page=50&sort=-created_at&filter%5Bstatus%5D=active&q=walnut+desk&currency=EUR&locale=en-GB&include=items,customer&utm_source=newsletter&ts=1733212800";

pub fn request<'a>(
    query: Option<&'a str>,
    headers: &'a [(&'a str, &'a [u8])],
    body: &'a [u8],
) -> RequestParts<'a> {
    RequestParts {
        method: "POST",
        path: "/api/v2/orders",
        query,
        headers,
        body,
        body_truncated: false,
    }
}
