//! Country of a client address from a MaxMind database, reloaded when the file changes.
//!
//! A database that cannot be read is an error at start (naming the file); on a later
//! change, a broken file is logged and the previous database stays in use. Addresses the
//! database does not know (private ranges, unassigned space) have no country; what happens
//! to them is `waf.geo_blocking.unknown_country` (allow by default).

use arc_swap::ArcSwap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

type Reader = maxminddb::Reader<Vec<u8>>;

pub struct GeoDb {
    path: PathBuf,
    reader: ArcSwap<Reader>,
    modified: std::sync::Mutex<Option<SystemTime>>,
}

/// A two-letter country code.
pub type Country = [u8; 2];

impl GeoDb {
    /// Opens and validates the database.
    pub fn open(path: &Path) -> Result<GeoDb, String> {
        let reader = load(path)?;
        Ok(GeoDb {
            path: path.to_path_buf(),
            reader: ArcSwap::from_pointee(reader),
            modified: std::sync::Mutex::new(mtime(path)),
        })
    }

    /// Country of `ip`, if the database knows it.
    pub fn country(&self, ip: IpAddr) -> Option<Country> {
        let reader = self.reader.load();
        let result = reader.lookup(ip).ok()?;
        let code: Option<&str> = result
            .decode_path(&maxminddb::path!["country", "iso_code"])
            .ok()
            .flatten();
        let code = code.or_else(|| {
            result
                .decode_path(&maxminddb::path!["registered_country", "iso_code"])
                .ok()
                .flatten()
        })?;
        let b = code.as_bytes();
        (b.len() == 2).then(|| [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
    }

    /// Re-reads the file if it changed; keeps the current database when the new one is bad.
    pub fn reload_if_changed(&self) {
        let now = mtime(&self.path);
        let mut last = self.modified.lock().unwrap_or_else(|p| p.into_inner());
        if now.is_none() || now == *last {
            return;
        }
        match load(&self.path) {
            Ok(r) => {
                self.reader.store(Arc::new(r));
                *last = now;
                tracing::info!(path = %self.path.display(), "geo database reloaded");
            }
            Err(e) => {
                *last = now;
                tracing::error!(path = %self.path.display(), error = %e, "geo database changed but cannot be read; keeping the previous one");
            }
        }
    }

    /// Checks the file every `every` for as long as the database is in use.
    pub fn watch(self: &Arc<Self>, every: Duration) {
        let weak: Weak<GeoDb> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(db) = weak.upgrade() else { return };
                let _ = tokio::task::spawn_blocking(move || db.reload_if_changed()).await;
            }
        });
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load(path: &Path) -> Result<Reader, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let reader = Reader::from_source(bytes)
        .map_err(|e| format!("{} is not a valid MaxMind database: {e}", path.display()))?;
    // Opening checks only metadata: probe a lookup so a corrupt tree fails now, not per request.
    reader
        .lookup(IpAddr::from([1, 1, 1, 1]))
        .map_err(|e| format!("{} is not a valid MaxMind database: {e}", path.display()))?;
    Ok(reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../server/tests/testdata")
            .join(name)
    }

    #[test]
    fn looks_up_countries_and_keeps_the_old_database_when_the_new_file_is_broken() {
        let dir = std::env::temp_dir().join(format!("waf-geo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db.mmdb");
        std::fs::copy(fixture("GeoIP2-Country-Test.mmdb"), &path).unwrap();
        let db = GeoDb::open(&path).unwrap();
        assert_eq!(db.country("81.2.69.160".parse().unwrap()), Some(*b"GB"));
        assert_eq!(db.country("10.0.0.1".parse().unwrap()), None);

        std::thread::sleep(Duration::from_millis(20));
        std::fs::copy(fixture("GeoIP2-City-Test-Invalid-Node-Count.mmdb"), &path).unwrap();
        db.reload_if_changed();
        assert_eq!(
            db.country("81.2.69.160".parse().unwrap()),
            Some(*b"GB"),
            "old database kept"
        );

        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"not a database").unwrap();
        db.reload_if_changed();
        assert_eq!(db.country("216.160.83.56".parse().unwrap()), Some(*b"US"));
        assert!(GeoDb::open(&fixture("GeoIP2-City-Test-Invalid-Node-Count.mmdb")).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
