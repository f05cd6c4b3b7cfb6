//! The `waf-proxy` binary: the composition root. It parses the command line, loads and
//! validates the configuration, builds the runtime snapshot, starts the listener, and
//! handles signals (SIGTERM/SIGINT: graceful stop; SIGHUP: reload, keeping the running
//! configuration when the new one is invalid).

mod check;

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
) -> Result<Runtime, waf_config::ConfigErrors> {
    let config = waf_config::load(path)?;
    Runtime::build(config, Arc::clone(engine), shared)
}

fn run(path: &Path) -> anyhow::Result<()> {
    let engine = Arc::new(Engine::new());
    let shared = SharedState::default();
    let runtime = load(path, &engine, &shared)
        .map_err(|e| anyhow::anyhow!("invalid configuration {}:\n{e}", path.display()))?;
    init_tracing(&runtime.config.logging);
    let mut builder = if runtime.config.server.workers == Some(1) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all().thread_name("waf-worker");
    if let Some(w) = runtime.config.server.workers.filter(|w| *w > 1) {
        builder.worker_threads(w);
    }
    let rt = builder.build().context("cannot start the async runtime")?;
    rt.block_on(serve(path.to_path_buf(), engine, shared, runtime))
}

async fn serve(
    path: PathBuf,
    engine: Arc<Engine>,
    shared: SharedState,
    runtime: Runtime,
) -> anyhow::Result<()> {
    let listen = runtime.config.server.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (server.host/server.port)"))?;
    let mode = if runtime.config.waf.enabled {
        runtime.config.waf.mode.name()
    } else {
        "off"
    };
    let dp = Dataplane::new(runtime);
    dp.runtime().start_background();
    tracing::info!(%listen, waf = mode, "waf-proxy {} listening", env!("CARGO_PKG_VERSION"));
    println!("waf-proxy listening on http://{listen} (WAF {mode})");

    let reload_dp = Arc::clone(&dp);
    tokio::spawn(async move { reload_on_sighup(path, engine, shared, reload_dp).await });
    waf_dataplane::serve(listener, dp, shutdown_signal()).await;
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
        let built = tokio::task::spawn_blocking(move || load(&p, &e, &s)).await;
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
        .with_writer(std::io::stderr);
    match logging.format {
        waf_config::LogFormat::Json => builder.json().init(),
        waf_config::LogFormat::Text => builder.init(),
    }
}
