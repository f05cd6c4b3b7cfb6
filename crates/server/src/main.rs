//! The `waf-proxy` binary: the composition root. It parses the command line, loads and
//! validates the configuration, builds the runtime snapshot, starts the listener, and
//! handles signals (SIGTERM/SIGINT: graceful stop; SIGHUP: reload, keeping the running
//! configuration when the new one is invalid).

mod check;
mod listener;

/// mimalloc: the request path allocates many small short-lived objects; glibc malloc showed
/// up in profiles (malloc_consolidate, _int_free), mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use waf_dataplane::gates::SharedState;
use waf_dataplane::{Dataplane, Runtime};
use waf_engine::Engine;

#[derive(Parser)]
#[command(
    name = "waf-proxy",
    version,
    about = "Web application firewall and reverse proxy"
)]
struct Cli {
    /// Configuration file (YAML).
    #[arg(long, short, global = true, default_value = "waf-proxy.yaml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the configuration and print what would run; exit 1 on errors.
    Check,
    /// Run the proxy (the default).
    Run,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::Check => check::run(&cli.config),
        Command::Run => match run(&cli.config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("waf-proxy: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Loads and validates `path` into a runtime snapshot.
fn load(
    path: &Path,
    engine: &Arc<Engine>,
    shared: &SharedState,
    previous: Option<&Runtime>,
) -> Result<Runtime, waf_config::ConfigErrors> {
    let config = waf_config::load(path)?;
    Runtime::build(config, Arc::clone(engine), shared, previous)
}

fn run(path: &Path) -> anyhow::Result<()> {
    let engine = Arc::new(Engine::new());
    let shared = SharedState::default();
    let runtime = load(path, &engine, &shared, None)
        .map_err(|e| anyhow::anyhow!("invalid configuration {}:\n{e}", path.display()))?;
    init_tracing(&runtime.config.logging);
    let workers = runtime.config.server.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    // Listening sockets are made here so that a busy port is a clear error before anything runs.
    let listen = runtime.config.server.listen;
    let listeners = (0..workers)
        .map(|_| listener::bind(listen))
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("cannot listen on {listen} (server.host/server.port)"))?;
    // The control runtime on this thread handles signals, reloads and background refreshes;
    // each worker thread runs its own single-threaded runtime on its own SO_REUSEPORT socket
    // (thread per core, as nginx workers: no work stealing, no cross-thread wakeups).
    let control = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    control.block_on(serve(
        path.to_path_buf(),
        engine,
        shared,
        runtime,
        listeners,
    ))
}

async fn serve(
    path: PathBuf,
    engine: Arc<Engine>,
    shared: SharedState,
    runtime: Runtime,
    listeners: Vec<std::net::TcpListener>,
) -> anyhow::Result<()> {
    let listen = runtime.config.server.listen;
    let mode = if runtime.config.waf.enabled {
        runtime.config.waf.mode.name()
    } else {
        "off"
    };
    let dp = Dataplane::new(runtime);
    dp.runtime().start_background();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    // server.max_connections is for the process: each worker gets its share.
    let per_worker = dp
        .runtime()
        .config
        .server
        .max_connections
        .div_ceil(listeners.len().max(1));
    for (i, l) in listeners.into_iter().enumerate() {
        let dp = Arc::clone(&dp);
        let mut stop = stop_rx.clone();
        let worker = std::thread::Builder::new()
            .name(format!("waf-worker-{i}"))
            .spawn(move || -> anyhow::Result<()> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(l)?;
                    waf_dataplane::serve(listener, dp, per_worker, async move {
                        let _ = stop.wait_for(|s| *s).await;
                    })
                    .await;
                    anyhow::Ok(())
                })
            })?;
        workers.push(worker);
    }
    tracing::info!(%listen, waf = mode, workers = workers.len(), "waf-proxy {} listening", env!("CARGO_PKG_VERSION"));
    // stderr: stdout may carry the access log.
    eprintln!("waf-proxy listening on http://{listen} (WAF {mode})");

    let reload_dp = Arc::clone(&dp);
    tokio::spawn(async move { reload_on_sighup(path, engine, shared, reload_dp).await });
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    tokio::task::spawn_blocking(move || {
        for w in workers {
            match w.join() {
                Ok(Err(e)) => tracing::error!(error = %e, "worker stopped with an error"),
                Err(_) => tracing::error!("worker panicked"),
                Ok(Ok(())) => {}
            }
        }
    })
    .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
}

async fn reload_on_sighup(
    path: PathBuf,
    engine: Arc<Engine>,
    shared: SharedState,
    dp: Arc<Dataplane>,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot install the SIGHUP handler; reload is unavailable");
        return;
    };
    while hup.recv().await.is_some() {
        let p = path.clone();
        let e = Arc::clone(&engine);
        // Opening log files and compiling happen off the async workers.
        let s = shared.clone();
        let current = dp.runtime();
        let built = tokio::task::spawn_blocking(move || load(&p, &e, &s, Some(&current))).await;
        match built {
            Ok(Ok(new)) => {
                let old = dp.runtime();
                if new.config.server.listen != old.config.server.listen {
                    tracing::warn!("server.host/server.port changed; the new address takes effect after a restart");
                }
                dp.swap(new);
                dp.runtime().start_background();
                tracing::info!(config = %path.display(), "configuration reloaded");
            }
            Ok(Err(errors)) => {
                tracing::error!(config = %path.display(), "reload refused, keeping the running configuration:\n{errors}");
            }
            Err(e) => tracing::error!(error = %e, "reload task failed"),
        }
    }
}

fn init_tracing(logging: &waf_config::LoggingConfig) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&logging.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match logging.format {
        waf_config::LogFormat::Json => builder.json().init(),
        waf_config::LogFormat::Text => builder.init(),
    }
}
