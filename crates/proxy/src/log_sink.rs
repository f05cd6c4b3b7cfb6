//! Where access and security log lines go: a writer thread per target, fed through a bounded
//! channel so a slow disk never blocks a request. When the channel is full the line is
//! counted as dropped and the count reported in the process log — never lost silently.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use waf_config::LogTarget;

const QUEUE: usize = 64 * 1024;

/// A cheap, cloneable handle to a log target.
#[derive(Clone)]
pub struct LogSink {
    tx: SyncSender<String>,
    dropped: Arc<AtomicU64>,
    name: &'static str,
}

impl LogSink {
    /// Opens `target` (creating a file in append mode) and starts its writer thread.
    pub fn open(target: &LogTarget, name: &'static str) -> std::io::Result<LogSink> {
        let mut out: Box<dyn Write + Send> = match target {
            LogTarget::Stdout => Box::new(std::io::stdout()),
            LogTarget::Stderr => Box::new(std::io::stderr()),
            // The directory must exist: creating it (as root) is not a log writer's call.
            LogTarget::File(path) => Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                    })?,
            ),
        };
        let (tx, rx) = sync_channel::<String>(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let dropped_w = Arc::clone(&dropped);
        std::thread::Builder::new()
            .name(format!("{name}-log"))
            .spawn(move || {
                let mut w = std::io::BufWriter::with_capacity(64 * 1024, &mut out);
                while let Ok(line) = rx.recv() {
                    let _ = w.write_all(line.as_bytes());
                    // Drain what is queued, then flush once.
                    while let Ok(more) = rx.try_recv() {
                        let _ = w.write_all(more.as_bytes());
                    }
                    let lost = dropped_w.swap(0, Ordering::Relaxed);
                    if lost > 0 {
                        tracing::warn!(log = name, lost, "log queue was full; lines were dropped");
                    }
                    let _ = w.flush();
                }
            })?;
        Ok(LogSink { tx, dropped, name })
    }

    /// Queues one line (which must end with a newline).
    pub fn write(&self, line: String) {
        match self.tx.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!(log = self.name, "log writer thread is gone");
            }
        }
    }
}
