//! oncotrack: training and certification tracking for oncology care.
//!
//! The library holds the whole application; `main.rs` only parses the command
//! line. Tests build the same router with [`app`].

pub mod app;
pub mod audit;
pub mod auth;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod councils;
pub mod courses;
pub mod db;
pub mod dev;
pub mod home;
pub mod i18n;
pub mod licences;
pub mod mail;
pub mod organisation;
pub mod quality;
pub mod rotations;
pub mod state;
pub mod web;

pub use app::app;
pub use state::AppState;

/// How often the reminder job runs. Its dedupe keys make runs idempotent, so
/// running several times a day only makes it notice a new day sooner.
pub const REMINDER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(4 * 60 * 60);

/// The reminder job running beside the server; see [`spawn_reminders`].
pub struct ReminderTask {
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

impl ReminderTask {
    /// Stops the job and waits for it. A run in progress stops at its next
    /// step; what it committed stays, and the next run picks up the rest.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

/// Starts the licence reminder job: a run at start-up and then every
/// [`REMINDER_INTERVAL`], each queueing what is due today and e-mailing it when
/// SMTP is configured. Dropping the returned handle also stops the job.
pub fn spawn_reminders(state: AppState) -> ReminderTask {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(REMINDER_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped.changed() => break,
            }
            let queued = councils::queue_reminders(
                &state.db,
                state.clock.today(),
                state.clock.now(),
                state.config.public_url.clone(),
                audit::store::Actor::system(),
            )
            .await;
            match queued {
                Ok(n) => tracing::info!(queued = n, "council action reminders"),
                Err(e) => tracing::error!(error = %e, "council action reminders failed"),
            }
            let run = licences::reminders::run(
                &state.db,
                &state.config,
                state.clock.as_ref(),
                None,
                audit::store::Actor::system(),
            );
            tokio::select! {
                result = run => match result {
                    Ok(r) => tracing::info!(
                        as_of = ?r.as_of,
                        queued = r.queued.total(),
                        sent = r.delivered.map(|d| d.sent),
                        failed = r.delivered.map(|d| d.failed),
                        "reminders run"
                    ),
                    Err(e) => tracing::error!(error = %e, "reminders run failed"),
                },
                _ = stopped.changed() => break,
            }
        }
    });
    ReminderTask { stop, handle }
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
