//! The `oncotrack` command line. Everything it does lives in the library.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use oncotrack::clock::{Clock, SystemClock};
use oncotrack::config::Config;
use oncotrack::db::{self, Db, DbOptions};
use oncotrack::dev::demo;
use oncotrack::i18n::Lang;
use oncotrack::licences::import as completions;
use oncotrack::organisation::import::{ImportKind, Outcome};
use oncotrack::{AppState, cli};

#[derive(Parser)]
#[command(
    name = "oncotrack",
    version,
    about = "Training and certification tracker for oncology care"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArg {
    /// The SQLite database file.
    #[arg(long, env = "ONCOTRACK_DB", default_value = "./oncotrack.db")]
    db: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on.
        #[arg(long, env = "ONCOTRACK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Load the demo data when the database is empty.
        #[arg(long)]
        demo: bool,
        /// Serve a replica (kept current by Litestream) read-only: pages and
        /// the API answer, changes get 503 naming ONCOTRACK_PRIMARY_URL.
        #[arg(long, conflicts_with = "demo")]
        read_only: bool,
    },
    /// Load fictional demo data into an empty database.
    Demo {
        #[command(flatten)]
        db: DbArg,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// CSV imports.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Copy the database, also while the server runs.
    Backup {
        #[command(flatten)]
        db: DbArg,
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Generate a deterministic synthetic data set for benchmarks.
    Generate {
        #[command(flatten)]
        db: DbArg,
        /// How many people.
        #[arg(long, default_value_t = 300_000)]
        people: usize,
        /// Random seed; the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Time the compliance report and the status lookup on a database.
    Bench {
        #[command(flatten)]
        db: DbArg,
        /// Repetitions per measurement.
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// The past date to measure besides today.
        #[arg(long, default_value = "2024-03-01")]
        past: String,
    },
    /// The quality indicator's treatment extracts.
    Quality {
        #[command(subcommand)]
        command: QualityCommand,
    },
    /// Licence reminders and manager digests.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// Check the database's integrity and schema version.
    Check {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Add {
        #[command(flatten)]
        db: DbArg,
        /// Sign-in e-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// ROLE or manager:unit:CODE, manager:administration:NAME, manager:region:NAME; repeatable.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give an account a new second factor (TOTP) at once and print its
    /// otpauth:// address and recovery codes; for the first administrator.
    Totp {
        #[command(flatten)]
        db: DbArg,
        /// The account's e-mail.
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum QualityCommand {
    /// Write an extract of invented patients in the usual columns, treated
    /// at the database's administrations and units.
    Generate {
        #[command(flatten)]
        db: DbArg,
        /// Patients.
        #[arg(long, default_value_t = 100_000)]
        patients: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First year of treatment.
        #[arg(long)]
        from_year: i32,
        /// Last year of treatment.
        #[arg(long)]
        to_year: i32,
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a source system's extract of the days from `--from` to `--to`
    /// (replacing that source's rows of those days).
    Import {
        #[command(flatten)]
        db: DbArg,
        /// The source system, by name.
        #[arg(long)]
        source: String,
        /// First day the extract covers, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// The CSV file.
        file: PathBuf,
        /// Check and count; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Generate an extract, import it and time the report.
    Bench {
        #[command(flatten)]
        db: DbArg,
        /// Patients.
        #[arg(long, default_value_t = 100_000)]
        patients: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum RemindersCommand {
    /// Queue the reminders and digests due on a day, and e-mail every unsent
    /// message when ONCOTRACK_SMTP_URL is set. Safe to repeat: each message is
    /// queued and sent once.
    Run {
        #[command(flatten)]
        db: DbArg,
        /// The day to run for (YYYY-MM-DD); today when omitted.
        #[arg(long)]
        as_of: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it.
    Create {
        #[command(flatten)]
        db: DbArg,
        /// The account's e-mail.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        label: String,
        /// The last day it works (YYYY-MM-DD, at most a year ahead).
        #[arg(long)]
        expires_on: Option<String>,
        /// What it may do: all (default), read, or endpoint names such as status.
        #[arg(long, default_value = "all")]
        scope: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Regions, administrations and units.
    Units {
        #[command(flatten)]
        db: DbArg,
        /// CSV file.
        file: PathBuf,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Staff from an HR export.
    Staff {
        #[command(flatten)]
        db: DbArg,
        /// CSV file.
        file: PathBuf,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Licence completions from a learning-portal export.
    Completions {
        #[command(flatten)]
        db: DbArg,
        /// CSV file.
        file: PathBuf,
        /// Show what would be recorded; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn quality_command(command: QualityCommand, clock: &SystemClock) -> anyhow::Result<ExitCode> {
    use oncotrack::quality::actions::{self, Refused, Upload};
    match command {
        QualityCommand::Generate {
            db,
            patients,
            seed,
            from_year,
            to_year,
            out,
        } => {
            let conn = open(&db)?;
            let file = oncotrack::dev::quality::extract(
                &conn,
                patients,
                seed,
                from_year,
                to_year,
                clock.today(),
            )?;
            std::fs::write(&out, &file).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} rows of {patients} patients to {}",
                file.lines().count().saturating_sub(1),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        QualityCommand::Import {
            db,
            source,
            from,
            to,
            file,
            dry_run,
        } => {
            let from = oncotrack::check::date(&from).context("--from: expected YYYY-MM-DD")?;
            let to = oncotrack::check::date(&to).context("--to: expected YYYY-MM-DD")?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let mut conn = open(&db)?;
            let secret = oncotrack::state::installation_secret(&conn)?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let w = oncotrack::db::Work::new(&tx, oncotrack::db::Actor::cli(), clock.now());
            let Some(source_id) = oncotrack::quality::store::source_by_name(&w, &source)? else {
                eprintln!("--source: no source system is called {source:?}");
                return Ok(ExitCode::FAILURE);
            };
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let upload = Upload {
                source_id,
                span: oncotrack::quality::import::Span { from, to },
                file_name: &name,
                bytes: &bytes,
                dry_run,
            };
            match actions::import(&w, &upload, clock.today(), &secret) {
                Ok(done) => {
                    drop(w);
                    tx.commit()?;
                    println!(
                        "{} {} rows: {} patients, {} dead; {} rows of earlier imports {}",
                        if dry_run { "checked" } else { "imported" },
                        done.rows,
                        done.patients,
                        done.deaths,
                        done.replaced,
                        if dry_run {
                            "would be replaced"
                        } else {
                            "replaced"
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(Refused::Lines(lines)) => {
                    for l in &lines {
                        eprintln!("{l}");
                    }
                    eprintln!("{} problem(s); nothing was imported", lines.len());
                    Ok(ExitCode::FAILURE)
                }
                Err(Refused::App(e)) => Err(anyhow::anyhow!("{e}")),
            }
        }
        QualityCommand::Bench { db, patients, seed } => {
            let mut conn = open(&db)?;
            for line in oncotrack::dev::quality::bench(
                &mut conn,
                patients,
                seed,
                clock.now(),
                clock.today(),
            )? {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open(db: &DbArg) -> anyhow::Result<rusqlite::Connection> {
    db::open_connection(&db.db, &DbOptions::default())
        .with_context(|| format!("opening {}", db.db.display()))
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let clock = SystemClock;
    match args.command {
        Command::Serve {
            db,
            listen,
            demo,
            read_only,
        } => serve(db.db, listen, demo, read_only),
        Command::Demo { db } => {
            let mut conn = open(&db)?;
            let report = demo::load(&mut conn, clock.now(), clock.today())?;
            print_demo(&report);
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    email,
                    name,
                    roles,
                    password_stdin,
                },
        } => {
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading the password from standard input")?;
                Some(s)
            } else {
                None
            };
            let mut conn = open(&db)?;
            let generated = cli::add_user(
                &mut conn,
                &email,
                &name,
                &roles,
                password.as_deref(),
                clock.now(),
            )?;
            match generated {
                Some(p) => println!("created {email}; password: {p}"),
                None => println!("created {email}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::Totp { db, email },
        } => {
            let mut conn = open(&db)?;
            let (uri, codes) = cli::enrol_totp(&mut conn, &email, clock.now())?;
            println!("{uri}");
            println!("recovery codes (each works once; keep them apart from the phone):");
            for c in codes {
                println!("  {c}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    db,
                    email,
                    label,
                    expires_on,
                    scope,
                },
        } => {
            let limits = cli::token_limits(expires_on.as_deref(), &scope, clock.today())?;
            let mut conn = open(&db)?;
            println!(
                "{}",
                cli::create_token(&mut conn, &email, &label, &limits, clock.now())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command } => {
            let (db, file, dry_run, kind) = match command {
                ImportCommand::Units { db, file, dry_run } => {
                    (db, file, dry_run, ImportKind::Units)
                }
                ImportCommand::Staff { db, file, dry_run } => {
                    (db, file, dry_run, ImportKind::Staff)
                }
                ImportCommand::Completions { db, file, dry_run } => {
                    let mut conn = open(&db)?;
                    let outcome = cli::import_completions(
                        &mut conn,
                        &file,
                        dry_run,
                        clock.now(),
                        clock.today(),
                    )?;
                    return Ok(print_completions(&outcome, dry_run));
                }
            };
            let mut conn = open(&db)?;
            match cli::import_file(&mut conn, kind, &file, dry_run, clock.now(), clock.today())? {
                Outcome::Rejected(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    eprintln!("{} bad line(s); nothing was imported", errors.len());
                    Ok(ExitCode::FAILURE)
                }
                Outcome::Planned(plan) => {
                    for c in &plan.changes {
                        println!("{}", c.render(Lang::En));
                    }
                    println!(
                        "{} change(s), {} unchanged{}",
                        plan.changes.len(),
                        plan.unchanged,
                        if dry_run {
                            " (dry run: nothing written)"
                        } else {
                            ""
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Backup { db, to } => {
            if to.exists() {
                bail!("--to: {} exists; choose a new file", to.display());
            }
            if !db.db.exists() {
                bail!("--db: {} does not exist", db.db.display());
            }
            db::backup(&db.db, &to).with_context(|| format!("backing up to {}", to.display()))?;
            let report = db::check(&to)?;
            println!(
                "backed up {} to {} (integrity: {})",
                db.db.display(),
                to.display(),
                report.integrity.join("; ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { db, people, seed } => {
            let started = std::time::Instant::now();
            let g = oncotrack::dev::generate::generate(
                &db.db,
                people,
                seed,
                clock.now(),
                clock.today(),
            )?;
            println!(
                "generated {} regions, {} administrations, {} units, {} people, {} completions in {:.1} s",
                g.regions,
                g.administrations,
                g.units,
                g.people,
                g.completions,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { db, runs, past } => {
            let past = oncotrack::check::date(&past).context("--past: expected YYYY-MM-DD")?;
            let conn = open(&db)?;
            for line in oncotrack::dev::bench_compliance::run(&conn, clock.today(), past, runs)? {
                println!("{line}");
            }
            for line in oncotrack::dev::bench_placements::run(&conn, clock.today(), runs)? {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reminders {
            command: RemindersCommand::Run { db, as_of },
        } => {
            let as_of = as_of
                .map(|s| {
                    oncotrack::check::date(&s)
                        .with_context(|| format!("--as-of: expected YYYY-MM-DD, got {s:?}"))
                })
                .transpose()?;
            run_reminders(&db, as_of)
        }
        Command::Quality { command } => quality_command(command, &clock),
        Command::Check { db } => {
            if !db.db.exists() {
                bail!("--db: {} does not exist", db.db.display());
            }
            let report = db::check(&db.db)?;
            println!("integrity: {}", report.integrity.join("; "));
            println!("foreign key violations: {}", report.foreign_key_violations);
            println!(
                "schema version: {} (this program: {})",
                report.schema_version,
                db::CURRENT_VERSION
            );
            Ok(if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// Prints a completion import the way the other imports print: the changes,
/// then the counts; bad lines on standard error.
fn print_completions(outcome: &completions::Outcome, dry_run: bool) -> ExitCode {
    match outcome {
        completions::Outcome::Rejected(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            eprintln!("{} bad line(s); nothing was imported", errors.len());
            ExitCode::FAILURE
        }
        completions::Outcome::Planned(plan) => {
            for c in &plan.changes {
                println!("{}", c.render(oncotrack::i18n::Lang::En));
            }
            if plan.not_listed() > 0 {
                println!("... and {} more", plan.not_listed());
            }
            for c in &plan.per_licence {
                println!("{} {}: {}", c.code, c.part.as_str(), c.count);
            }
            let written = match (dry_run, plan.batch_id) {
                (true, _) => " (dry run: nothing written)".to_string(),
                (false, Some(id)) => format!(" (batch {id})"),
                (false, None) => " (nothing written)".to_string(),
            };
            println!(
                "{} row(s): {} to add, {} already recorded{written}",
                plan.rows,
                plan.to_add(),
                plan.already_recorded
            );
            ExitCode::SUCCESS
        }
    }
}

fn print_demo(report: &demo::DemoReport) {
    println!(
        "demo data: {} units, {} people, {} licence completions",
        report.units, report.people, report.completions
    );
    println!("demo accounts (password for all: {}):", report.password);
    for (email, roles) in &report.accounts {
        println!("  {email}  [{roles}]");
    }
}

fn serve(
    path: PathBuf,
    listen: SocketAddr,
    load_demo: bool,
    read_only: bool,
) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let config = Config::from_env()?;
    let clock = SystemClock;
    if !read_only {
        let mut conn = db::open_connection(&path, &DbOptions::default())
            .with_context(|| format!("opening {}", path.display()))?;
        let email = std::env::var("ONCOTRACK_ADMIN_EMAIL")
            .ok()
            .filter(|s| !s.trim().is_empty());
        let password = std::env::var("ONCOTRACK_ADMIN_PASSWORD")
            .ok()
            .filter(|s| !s.is_empty());
        if let Some(b) = cli::bootstrap_admin(
            &mut conn,
            email.as_deref(),
            password.as_deref(),
            clock.now(),
        )? {
            match b.generated_password {
                Some(p) => println!(
                    "created administrator {} with password: {p}\n(shown once; change it under My account)",
                    b.email
                ),
                None => println!("created administrator {}", b.email),
            }
        }
        if load_demo {
            if oncotrack::organisation::store::regions(&conn)?.is_empty() {
                let report = demo::load(&mut conn, clock.now(), clock.today())?;
                print_demo(&report);
            } else {
                println!("--demo: the database already has data; demo data not loaded");
            }
        }
    }
    let options = DbOptions {
        read_only,
        ..DbOptions::default()
    };
    let db = Db::open(&path, options).with_context(|| format!("opening {}", path.display()))?;
    let state = AppState::new(db, Arc::new(clock), config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("--listen: cannot listen on {listen}"))?;
        println!(
            "oncotrack listening on http://{listen}{}",
            if read_only {
                " (read-only replica)"
            } else {
                ""
            }
        );
        // The reminders are the primary's job.
        let reminders = (!read_only).then(|| oncotrack::spawn_reminders(state.clone()));
        // The cost report is the one page that takes long to compute the
        // first time; it is made before anyone asks.
        let warming = state.clone();
        tokio::spawn(async move {
            if let Err(e) = oncotrack::rotations::report_pages::warm(warming).await {
                tracing::warn!(error = %e, "could not compute the cost report ahead");
            }
        });
        oncotrack::serve(state, listener, shutdown_signal()).await?;
        if let Some(r) = reminders {
            r.stop().await;
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run_reminders(db: &DbArg, as_of: Option<chrono::NaiveDate>) -> anyhow::Result<ExitCode> {
    if !db.db.exists() {
        bail!("--db: {} does not exist", db.db.display());
    }
    let config = Config::from_env()?;
    let handle = Db::open(&db.db, DbOptions::default())
        .with_context(|| format!("opening {}", db.db.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let day = as_of.unwrap_or_else(|| SystemClock.today());
    let actions = runtime
        .block_on(oncotrack::councils::queue_reminders(
            &handle,
            day,
            SystemClock.now(),
            config.public_url.clone(),
            oncotrack::audit::store::Actor::cli(),
        ))
        .map_err(|e| anyhow::anyhow!("council action reminders: {e}"))?;
    let report = runtime.block_on(oncotrack::licences::reminders::run(
        &handle,
        &config,
        &SystemClock,
        as_of,
        oncotrack::audit::store::Actor::cli(),
    ))?;
    let q = report.queued;
    println!(
        "as of {}: queued {} warning(s), {} expiry notice(s), {} digest(s)",
        report.as_of.map(|d| d.to_string()).unwrap_or_default(),
        q.warnings,
        q.expired,
        q.digests
    );
    println!("as of {day}: {actions} overdue council action reminder(s) queued");
    match report.delivered {
        Some(d) => {
            println!("e-mail: {} sent, {} failed", d.sent, d.failed);
            if d.failed > 0 {
                eprintln!("failed messages are tried again on the next run; see /admin/outbox");
                return Ok(ExitCode::FAILURE);
            }
        }
        None => println!(
            "e-mail: not configured (ONCOTRACK_SMTP_URL, ONCOTRACK_MAIL_FROM); messages are shown in the app"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
