//! Serving: the listener (whose connections a fault can cut), the routes table with the front
//! layer, [`start`] and the [`RunningEmulator`] handle.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::Connected;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::Auth;
use crate::error::{ApiError, EmulatorError};
use crate::fault_rules::{FaultRule, FaultRules};
use crate::faults::{FaultSpec, Faults};
use crate::front::{Front, OriginalPath};
use crate::options::EmulatorOptions;
use crate::ratelimit::Limiter;
use crate::state::{AppState, Emulator, Settings, State};
use crate::stats::StatsSnapshot;
use crate::{kinds, persist, routes, seed};

/// The largest request body accepted (workspace import must see > 10 MB to refuse it properly).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A TCP listener whose connections can be cut by a fault (or all at once, by
/// [`RunningEmulator::pause`]: `conns` holds every live connection's kill switch).
pub struct EmuListener {
    listener: TcpListener,
    conns: Conns,
}

/// The kill switches of the live connections.
type Conns = Arc<std::sync::Mutex<Vec<std::sync::Weak<AtomicBool>>>>;

/// A connection that a fault can cut: once killed, every read and write fails and the socket
/// closes with a reset.
pub struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl KillableStream {
    fn killed(&self) -> bool {
        if self.kill.load(Ordering::Relaxed) {
            // Reset rather than close, like a dropped connection on the real network.
            #[allow(deprecated)]
            let _ = self.inner.set_linger(Some(Duration::ZERO));
            true
        } else {
            false
        }
    }
}

fn reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "connection cut by a fault")
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Listener for EmuListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((s, addr)) => {
                    let _ = s.set_nodelay(true);
                    let kill = Arc::new(AtomicBool::new(false));
                    let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
                    conns.retain(|c| c.strong_count() > 0);
                    conns.push(Arc::downgrade(&kill));
                    return (KillableStream { inner: s, kill }, addr);
                }
                // Out of file descriptors and the like: wait and try again.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A handle on one connection, in each request's extensions (`ConnectInfo<ConnHandle>`).
#[derive(Debug, Clone)]
pub struct ConnHandle {
    kill: Arc<AtomicBool>,
}

impl ConnHandle {
    /// Cuts the connection: nothing more is read or written on it.
    pub fn kill(&self) {
        self.kill.store(true, Ordering::Relaxed);
    }
}

impl Connected<IncomingStream<'_, EmuListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, EmuListener>) -> Self {
        ConnHandle {
            kill: stream.io().kill.clone(),
        }
    }
}

async fn not_found(req: Request) -> Response {
    let path = req
        .extensions()
        .get::<OriginalPath>()
        .map_or_else(|| req.uri().path().to_string(), |o| o.0.clone());
    ApiError::endpoint_not_found(req.method().as_str(), &path).into_response()
}

/// Puts the original (versioned) path back, for routes declared with their version.
async fn restore_original(mut req: Request, next: axum::middleware::Next) -> Response {
    let Some(OriginalPath(orig)) = req.extensions_mut().remove::<OriginalPath>() else {
        return not_found(req).await;
    };
    let pq = match req.uri().query() {
        Some(q) => format!("{orig}?{q}"),
        None => orig.clone(),
    };
    match pq.parse::<Uri>() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(_) => return not_found(req).await,
    }
    next.run(req).await
}

/// The whole application: front layer → routes (version-less first, then as sent).
pub fn app(emu: AppState) -> Router {
    let table = routes::table;
    let as_sent: Router = table()
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(emu.clone());
    let retry = Router::new()
        .fallback_service(as_sent)
        .layer(axum::middleware::from_fn(restore_original));
    let inner: Router = table()
        .fallback_service(retry.clone())
        .method_not_allowed_fallback(not_found)
        .with_state(emu.clone());
    Router::new()
        .fallback_service(inner)
        .layer(axum::middleware::from_fn_with_state(
            emu,
            crate::front::layer,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// A running emulator. Dropping it stops the server (and saves the state file); prefer
/// [`RunningEmulator::shutdown`], which waits for the server to stop.
pub struct RunningEmulator {
    addr: SocketAddr,
    url: String,
    emu: AppState,
    state_file: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    saver: Option<JoinHandle<()>>,
    conns: Conns,
}

impl RunningEmulator {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The request counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.emu.stats.snapshot()
    }
    /// The emulator itself (state, knobs), for tests that look inside.
    pub fn emulator(&self) -> &AppState {
        &self.emu
    }
    /// The whole state as JSON.
    pub fn snapshot(&self) -> serde_json::Value {
        persist::to_json(&self.emu.lock())
    }
    /// Multiplies every rate limit by `scale` (e.g. 0.1 to throttle harder).
    pub fn set_rate_limit_scale(&self, scale: f64) {
        self.emu.knobs.set_rate_limit_scale(scale);
    }
    /// Turns rate limits on or off.
    pub fn set_rate_limits_enabled(&self, on: bool) {
        self.emu
            .knobs
            .rate_limits_enabled
            .store(on, Ordering::Relaxed);
    }
    /// Whether 429 answers carry `Retry-After`.
    pub fn set_retry_after(&self, on: bool) {
        self.emu.knobs.retry_after.store(on, Ordering::Relaxed);
    }
    /// Turns injected faults on or off.
    pub fn set_faults_enabled(&self, on: bool) {
        self.emu.knobs.faults_enabled.store(on, Ordering::Relaxed);
    }
    /// Replaces the fault probabilities.
    pub fn set_faults(&self, spec: FaultSpec) {
        self.emu.front.faults.set_spec(spec);
    }
    /// Replaces the fault rules per route (their counters start again).
    pub fn set_fault_rules(&self, rules: Vec<FaultRule>) {
        self.emu.front.rules.set(rules);
    }
    /// Makes the permissions API answer FEATURE_DISABLED (or not).
    pub fn set_permissions_disabled(&self, on: bool) {
        self.emu
            .knobs
            .permissions_disabled
            .store(on, Ordering::Relaxed);
    }

    /// Stops answering, as a workspace going down does: the connections open now are cut (a
    /// request in flight gets a reset, whether or not its change was applied) and new ones
    /// are refused, until [`RunningEmulator::resume`]. The state is kept.
    pub async fn pause(&mut self) {
        let conns = std::mem::take(&mut *self.conns.lock().unwrap_or_else(|p| p.into_inner()));
        for kill in conns.iter().filter_map(std::sync::Weak::upgrade) {
            kill.store(true, Ordering::Relaxed);
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
        {
            server.abort();
            let _ = server.await;
        }
    }

    /// Answers again on the same address, with the state it had (after
    /// [`RunningEmulator::pause`]; nothing when it is serving).
    pub async fn resume(&mut self) -> Result<(), EmulatorError> {
        if self.server.is_some() {
            return Ok(());
        }
        let (stop, server) = serve(self.addr, self.emu.clone(), self.conns.clone())
            .await?
            .1;
        self.stop = Some(stop);
        self.server = Some(server);
        Ok(())
    }

    /// Stops serving, waits for the server, and saves the state file.
    pub async fn shutdown(mut self) -> Result<(), EmulatorError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(saver) = self.saver.take() {
            saver.abort();
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
        match self.state_file.take() {
            Some(path) => persist::save(&self.emu, &path),
            None => Ok(()),
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(saver) = self.saver.take() {
            saver.abort();
        }
        if let Some(path) = self.state_file.take() {
            let _ = persist::save_if_dirty(&self.emu, &path);
        }
    }
}

/// The initial state: the state file if it exists, else a fresh workspace plus the seed.
fn initial_state(opts: &EmulatorOptions) -> Result<State, EmulatorError> {
    let st = if let Some(path) = &opts.state_file
        && path.exists()
    {
        seed::load_state_file(path)?
    } else {
        let mut st = State::fresh(opts.id_seed);
        st.clusters = kinds::clusters::ClustersState::on(opts.cloud);
        seed::apply(&mut st, &opts.seed)?;
        st
    };
    if st.clusters.cloud != opts.cloud {
        // A saved workspace keeps its cloud: its objects were made for that catalogue.
        tracing::warn!(
            "emulator: the loaded state is a {} workspace; --cloud {} is ignored",
            st.clusters.cloud,
            opts.cloud
        );
    }
    Ok(st)
}

/// Starts an emulator with `opts`; it serves until shut down or dropped.
pub async fn start(opts: EmulatorOptions) -> Result<RunningEmulator, EmulatorError> {
    let mut st = initial_state(&opts)?;
    if opts.job_creations_per_hour.is_some() {
        st.jobs.creation_limit_per_hour = opts.job_creations_per_hour;
    }
    let auth = Auth::new(&opts.tokens, &opts.oauth_clients);
    for (name, is_admin, is_sp) in auth.principals() {
        kinds::scim::ensure_principal(&mut st, &name, is_admin, is_sp);
    }
    let settings = Settings {
        cluster_start_delay: opts.cluster_start_delay,
        scim_visibility_delay: opts.scim_visibility_delay,
    };
    let limiter = Limiter::new(crate::ratelimit::load(&opts.rate_limits)?);
    let mut front = Front::new(
        auth,
        limiter,
        Faults::new(opts.faults, opts.fault_seed),
        opts.latency,
    );
    front.rules = FaultRules::new(opts.fault_rules.clone());
    let emu = Arc::new(Emulator::with_front(st, settings, front));
    emu.knobs
        .retry_after
        .store(opts.retry_after, Ordering::Relaxed);
    emu.knobs
        .permissions_disabled
        .store(opts.permissions_disabled, Ordering::Relaxed);

    let conns = Conns::default();
    let (addr, (stop_tx, server)) = serve(opts.addr, emu.clone(), conns.clone()).await?;
    let saver = opts.state_file.clone().map(|path| {
        let emu = emu.clone();
        let every = opts.save_interval.max(Duration::from_millis(50));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = persist::save_if_dirty(&emu, &path) {
                    tracing::warn!("emulator: {e}");
                }
            }
        })
    });
    Ok(RunningEmulator {
        addr,
        url: format!("http://{addr}"),
        emu,
        state_file: opts.state_file,
        stop: Some(stop_tx),
        server: Some(server),
        saver,
        conns,
    })
}

/// The server task on `addr`, and how to stop it.
type Serving = (oneshot::Sender<()>, JoinHandle<()>);

/// Binds `addr` and serves `emu` there until the returned sender fires; returns the bound
/// address (the port, when `addr` asked for any).
async fn serve(
    addr: SocketAddr,
    emu: AppState,
    conns: Conns,
) -> Result<(SocketAddr, Serving), EmulatorError> {
    let bind = |source| EmulatorError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind)?;
    let bound = listener.local_addr().map_err(bind)?;
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let service = app(emu).into_make_service_with_connect_info::<ConnHandle>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(EmuListener { listener, conns }, service)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .await;
    });
    Ok((bound, (stop_tx, server)))
}
