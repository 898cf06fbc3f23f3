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
use oncotrack::organisation::import::{ImportKind, Outcome};
use oncotrack::{AppState, cli, demo};

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

fn open(db: &DbArg) -> anyhow::Result<rusqlite::Connection> {
    db::open_connection(&db.db, &DbOptions::default())
        .with_context(|| format!("opening {}", db.db.display()))
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let clock = SystemClock;
    match args.command {
        Command::Serve { db, listen, demo } => serve(db.db, listen, demo),
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
        Command::Token {
            command: TokenCommand::Create { db, email, label },
        } => {
            let mut conn = open(&db)?;
            println!(
                "{}",
                cli::create_token(&mut conn, &email, &label, clock.now())?
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
                        println!("{c}");
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

fn print_demo(report: &demo::DemoReport) {
    println!(
        "demo data: {} units, {} people",
        report.units, report.people
    );
    println!("demo accounts (password for all: {}):", report.password);
    for (email, roles) in &report.accounts {
        println!("  {email}  [{roles}]");
    }
}

fn serve(path: PathBuf, listen: SocketAddr, load_demo: bool) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let config = Config::from_env()?;
    let clock = SystemClock;
    {
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
            let empty: i64 = conn.query_row("SELECT count(*) FROM region", [], |r| r.get(0))?;
            if empty == 0 {
                let report = demo::load(&mut conn, clock.now(), clock.today())?;
                print_demo(&report);
            } else {
                println!("--demo: the database already has data; demo data not loaded");
            }
        }
    }
    let db = Db::open(&path, DbOptions::default())
        .with_context(|| format!("opening {}", path.display()))?;
    let state = AppState::new(db, Arc::new(clock), config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("--listen: cannot listen on {listen}"))?;
        println!("oncotrack listening on http://{listen}");
        oncotrack::serve(state, listener, shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
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
