//! Threat-intelligence IP lists (`integrations.threat_intelligence.providers`): one address
//! or CIDR per line, from a file or an http:// URL, refreshed every `update_interval`.
//! A file feed that cannot be read is an error at start; a failed refresh keeps the list
//! already loaded (an http feed starts empty until its first fetch succeeds).

use super::ip_set::IpSet;
use arc_swap::ArcSwap;
use http_body_util::{BodyExt, Empty, Limited};
use std::net::IpAddr;
use std::sync::{Arc, Weak};
use waf_config::{FeedSource, ThreatFeed};

/// Largest feed accepted.
const MAX_FEED_BYTES: usize = 256 << 20;

pub struct Feed {
    pub config: ThreatFeed,
    set: ArcSwap<IpSet>,
}

impl Feed {
    /// Loads a file feed now; an http feed is fetched by [`Feed::watch`].
    pub fn open(config: &ThreatFeed) -> Result<Feed, String> {
        let set = match &config.source {
            FeedSource::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                parse(&config.name, &text)
            }
            FeedSource::Http(_) => IpSet::new(),
        };
        Ok(Feed {
            config: config.clone(),
            set: ArcSwap::from_pointee(set),
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.set.load().contains(ip)
    }

    pub fn len(&self) -> usize {
        self.set.load().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Refreshes the list now.
    pub async fn refresh(&self) -> Result<usize, String> {
        let text = match &self.config.source {
            FeedSource::File(path) => tokio::fs::read_to_string(path)
                .await
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            FeedSource::Http(url) => {
                fetch(url, self.config.api_key.as_ref().map(|k| k.expose())).await?
            }
        };
        let set = parse(&self.config.name, &text);
        let n = set.len();
        self.set.store(Arc::new(set));
        Ok(n)
    }

    /// Refreshes every `update_interval` (at once for http feeds) while the feed is in use.
    pub fn watch(self: &Arc<Self>) {
        let weak: Weak<Feed> = Arc::downgrade(self);
        let every = self.config.refresh;
        let fetch_now = matches!(self.config.source, FeedSource::Http(_));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            if !fetch_now {
                tick.tick().await;
            }
            loop {
                tick.tick().await;
                let Some(feed) = weak.upgrade() else { return };
                match feed.refresh().await {
                    Ok(n) => {
                        tracing::info!(feed = %feed.config.name, entries = n, "threat feed refreshed")
                    }
                    Err(e) => {
                        tracing::warn!(feed = %feed.config.name, error = %e, "threat feed refresh failed; keeping the previous list")
                    }
                }
            }
        });
    }
}

fn parse(name: &str, text: &str) -> IpSet {
    let (set, bad) = IpSet::parse_list(text);
    if bad > 0 {
        tracing::warn!(
            feed = name,
            skipped = bad,
            "threat feed lines that are not addresses were skipped"
        );
    }
    set
}

async fn fetch(url: &str, api_key: Option<&str>) -> Result<String, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("bad url {url}: {e}"))?;
    let host = uri.host().ok_or("url without host")?.to_string();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    .map_err(|_| "connect timed out".to_string())?
    .map_err(|e| format!("connect: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = http::Request::get(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header(
            http::header::HOST,
            uri.authority().map(|a| a.as_str()).unwrap_or(&host),
        );
    if let Some(k) = api_key {
        req = req.header(http::header::AUTHORIZATION, format!("Bearer {k}"));
    }
    let req = req
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|e| e.to_string())?;
    let resp = tokio::time::timeout(std::time::Duration::from_secs(60), sender.send_request(req))
        .await
        .map_err(|_| "feed request timed out".to_string())?
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("feed answered {}", resp.status()));
    }
    let body = Limited::new(resp.into_body(), MAX_FEED_BYTES)
        .collect()
        .await
        .map_err(|e| format!("reading feed: {e}"))?
        .to_bytes();
    String::from_utf8(body.to_vec()).map_err(|_| "feed is not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn file_feed_refreshes_and_keeps_its_list_when_the_file_goes_away() {
        let dir = std::env::temp_dir().join(format!("waf-feed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("feed.txt");
        std::fs::write(&path, "192.0.2.1\n").unwrap();
        let cfg = ThreatFeed {
            name: "t".into(),
            source: FeedSource::File(path.clone()),
            api_key: None,
            refresh: Duration::from_secs(60),
        };
        let feed = Feed::open(&cfg).unwrap();
        assert!(feed.contains("192.0.2.1".parse().unwrap()));
        std::fs::write(&path, "198.51.100.0/24\n").unwrap();
        assert_eq!(feed.refresh().await, Ok(1));
        assert!(!feed.contains("192.0.2.1".parse().unwrap()));
        assert!(feed.contains("198.51.100.9".parse().unwrap()));
        std::fs::remove_file(&path).unwrap();
        assert!(feed.refresh().await.is_err());
        assert!(
            feed.contains("198.51.100.9".parse().unwrap()),
            "a failed refresh keeps the list"
        );
        assert!(
            Feed::open(&cfg).is_err(),
            "a missing file is an error at start"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn http_feed_is_fetched() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).await.unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            assert!(req.starts_with("GET /list.txt HTTP/1.1"), "{req}");
            assert!(
                req.to_ascii_lowercase()
                    .contains("authorization: bearer k3y"),
                "{req}"
            );
            let body = "203.0.113.0/24\n";
            let _ = s
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
        });
        let cfg = ThreatFeed {
            name: "h".into(),
            source: FeedSource::Http(format!("http://127.0.0.1:{port}/list.txt")),
            api_key: Some(waf_config::Secret::new("k3y")),
            refresh: Duration::from_secs(60),
        };
        let feed = Feed::open(&cfg).unwrap();
        assert!(feed.is_empty());
        assert_eq!(feed.refresh().await, Ok(1));
        assert!(feed.contains("203.0.113.200".parse().unwrap()));
    }
}
