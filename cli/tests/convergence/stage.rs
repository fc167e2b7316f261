//! The connector on one machine against both simulators, wired as `jingsf demo` wires it
//! (SQLite store and queue, the real HTTP listener for outbound messages and webhooks, OAuth
//! through the real web-server flow), without the demo's data and scenarios. Shared by the
//! convergence test and the two benchmarks (examples include this file by path).

#![allow(dead_code)]

use app::ports::SettingsStore;
use app::settings::AppSettings;
use domain::{AppId, JingId, SfId};
use jing_sim::JingSim;
use jingsf::clock::ShiftableClock;
use jingsf::wiring::Local;
use jingsf::worker::{self, DrainReport};
use sf_sim::{OutboundConfig, SfSim};
use std::sync::Arc;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub const APP: &str = "conv";

/// Everything one run works on.
pub struct Stage {
    pub sf: SfSim,
    pub jing: JingSim,
    pub local: Local,
    pub sim: jingsf::client::AdminClient,
    pub clock: Arc<ShiftableClock>,
    pub app: AppId,
    pub drained: DrainReport,
    /// Members bound automatically: (Salesforce user, JING employee).
    pub members: Vec<(SfId, JingId)>,
    /// The outbound-message definition, to switch the sender's misbehaviour on and off.
    pub outbound: OutboundConfig,
    _dir: TempDir,
}

/// What one scheduled poll of both sides did.
#[derive(Debug)]
pub struct Polled {
    pub sf: app::capture::PollReport,
    pub jing: app::capture::JingPollReport,
}

/// A private data directory removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Start both simulators and the connector, connect through OAuth, bind `members` members,
/// and run both pollers once so their cursors start now. `configure` edits the app's settings
/// before anything runs.
pub async fn start(members: usize, configure: impl FnOnce(&mut AppSettings)) -> Result<Stage> {
    // SQLite syncs every commit: on tmpfs when there is one, so the run measures the
    // connector, not the disk of a shared machine.
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!(
        "jingsf-conv-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let db = dir.join("conv.db");
    let spec = jingsf::simulated::SimSpec {
        app: APP,
        name: "Convergence",
        listener,
        db: &db,
        daily_api_limit: 1_000_000,
    };
    let sim = jingsf::simulated::start(spec, |settings| {
        // The daily allocation must not run out in a long run: parking is tested elsewhere.
        settings.allocation.daily = 1_000_000;
        // The model edits and deletes a few dozen records many times within the breaker's hour:
        // the circuit breaker (tested in the writer contract and e2e) would hold them.
        settings.circuit_breaker.min_records = u64::MAX;
        configure(settings);
    })
    .await?;
    sim.connect().await?;
    let jingsf::simulated::Simulated {
        sf,
        jing,
        local,
        clock,
        app,
        outbound,
        admin,
        ..
    } = sim;
    let mut stage = Stage {
        sf,
        jing,
        local,
        sim: admin,
        clock,
        app,
        drained: DrainReport::default(),
        members: Vec::new(),
        outbound,
        _dir: TempDir(dir),
    };
    stage.bind_members(members).await?;
    stage.poll().await?;
    Ok(stage)
}

impl Stage {
    pub fn edge(&self) -> &edge::Edge {
        &self.local.edge
    }

    pub fn store(&self) -> &local::LocalStore {
        &self.local.store
    }

    pub async fn settings(&self) -> Result<AppSettings> {
        Ok(SettingsStore::get(self.store(), &self.app)
            .await?
            .ok_or("the app is gone")?)
    }

    /// Users and employees sharing a mobile number, bound by the member sync.
    async fn bind_members(&mut self, n: usize) -> Result<()> {
        let mut planted = Vec::new();
        for i in 0..n {
            let mobile = format!("1390000{i:04}");
            let email = format!("member{i}@acme.example");
            let user = self
                .sf
                .add_user("成员", &format!("{i}号"), &email, Some(&mobile));
            let employee =
                self.jing
                    .add_employee(&format!("成员{i}号"), Some(&mobile), Some(&email))?;
            planted.push((user, employee));
        }
        if n == 0 {
            return Ok(());
        }
        // Matched on demand through the admin API (connect matched before these existed).
        let report = self
            .sim
            .post(
                &format!("/apps/{}/members/sync", self.app),
                serde_json::json!({}),
            )
            .await?;
        let bound = report["bound"].as_array().map_or(0, Vec::len);
        if bound < n {
            return Err(format!("only {bound} of {n} members bound").into());
        }
        self.members = planted;
        Ok(())
    }

    /// At-least-once and out-of-order delivery of outbound messages, on request.
    pub fn outbound_chaos(&self, duplicate: bool, reorder: bool) {
        let mut cfg = self.outbound.clone();
        cfg.duplicate = duplicate;
        cfg.reorder = reorder;
        self.sf.set_outbound(Some(cfg));
    }

    /// Move every clock (both simulators and the connector) forward together.
    pub fn advance(&self, by: Duration) {
        self.sf.advance_clock(by);
        self.jing.clock().advance(by);
        self.clock
            .shift(time::Duration::try_from(by).unwrap_or(time::Duration::ZERO));
    }

    /// Run the writer until the queue is empty. Retries wait for their visibility on the
    /// connector's clock, so instead of sleeping, all clocks jump past the longest backoff.
    pub async fn drain(&mut self) -> Result<()> {
        for _ in 0..200 {
            let taken = worker::step(&self.local.edge, &mut self.drained).await?;
            if taken == 0 {
                if self.local.edge.queue.depth().await? == 0 {
                    return Ok(());
                }
                self.advance(Duration::from_secs(61));
            }
        }
        Err("the queue did not empty after 200 writer steps".into())
    }

    /// The scheduled run's two safety nets, Salesforce's and JING's (what
    /// `edge::jobs::poll_all` runs per app, without member matching and parked releases).
    pub async fn poll(&self) -> Result<Polled> {
        let settings = self.settings().await?;
        let clients = self.edge().clients(&settings).await?;
        let sf = app::capture::poll(&self.edge().poll_deps(&clients), &settings).await?;
        let jing_deps = self.edge().jing_poll_deps(&clients);
        let jing = app::capture::poll_jing(&jing_deps, &settings).await?;
        Ok(Polled { sf, jing })
    }

    /// Everything pending reaches the writer through the push paths, then both safety nets
    /// run, until a pass finds nothing new.
    pub async fn sync(&mut self) -> Result<()> {
        for pass in 0..8 {
            let outbound = self.sf.deliver_outbound().await;
            let webhooks = self.jing.deliver_webhooks().await;
            self.drain().await?;
            // A minute passes before the safety net runs: Salesforce reports deletes to the
            // minute (getDeleted rounds down), so a delete shows up a minute later.
            self.advance(Duration::from_secs(61));
            let polled = self.poll().await?;
            self.drain().await?;
            let quiet = outbound == 0
                && webhooks.delivered == 0
                && webhooks.pending == 0
                && polled.sf.enqueued == 0
                && polled.jing.enqueued == 0
                && self.sf.outbound_pending() == 0;
            if quiet && pass > 0 {
                return Ok(());
            }
            // Failed deliveries come back after their retry delay.
            self.advance(Duration::from_secs(5));
        }
        Err("sync did not settle after 8 passes".into())
    }
}
