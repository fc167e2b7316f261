//! The million-record initialization, both ways, on `jingsf serve`'s stack (SQLite) with both
//! simulators as their own processes: N generated Salesforce leads into JING, and N generated
//! JING leads into Salesforce. Per run it prints wall time, records/s, the Salesforce and JING
//! calls of the initialization, the connector process's CPU time per record (from
//! `/proc/<pid>/stat`: the simulators' CPU is not in it) and its peak RSS; with `--runs` the
//! min/median/max over the runs. Goals (issue 15): ≤ 10 minutes and ≤ 50 Salesforce calls each
//! way at 1,000,000, peak RSS ≤ 300 MB flat in N, ≤ 100 µs CPU per record.
//!
//! ```sh
//! # --bins: the example runs the `jingsf`, `sf-sim` and `jing-sim` binaries next to it
//! cargo build --release -p jingsf -p sf-sim -p jing-sim --bins --example init_scale
//! target/release/examples/init_scale --leads 1000000 [--way sf-to-jing|jing-to-sf] [--runs 5]
//! ```

#[path = "../tests/scale/harness.rs"]
mod harness;

use harness::{Measured, Result, Sims, Way};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const SF_CLIENT_ID: &str = "3MVG9ScaleBenchConsumerKey";
const SF_CLIENT_SECRET: &str = "ScaleBenchConsumerSecret";

/// A simulator binary running as its own process, killed when dropped.
struct SimProcess(Child);

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `bin` and read the address it announces (`LISTENING http://…`).
fn spawn_sim(bin: &Path, args: &[&str]) -> Result<(SimProcess, String)> {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "{}: {e} (build it: cargo build --release -p sf-sim -p jing-sim -p jingsf)",
                bin.display()
            )
        })?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("LISTENING ")
        .ok_or_else(|| format!("{} announced {line:?}", bin.display()))?
        .to_owned();
    Ok((SimProcess(child), url))
}

/// The release binaries next to this example (`target/release/{jingsf,sf-sim,jing-sim}`).
fn bin_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe
        .parent()
        .and_then(Path::parent)
        .ok_or("no binary directory")?
        .to_owned())
}

/// `cargo build --example` alone leaves the binaries as they were: say so when one is older
/// than this example, since the figures would then be an older connector's.
fn warn_if_stale(bins: &Path) -> Result<()> {
    let built = std::fs::metadata(std::env::current_exe()?)?.modified()?;
    for name in ["jingsf", "sf-sim", "jing-sim"] {
        let bin = bins.join(name);
        if std::fs::metadata(&bin)?.modified()? < built {
            eprintln!(
                "warning: {} is older than this example; build with --bins to measure the current code",
                bin.display()
            );
        }
    }
    Ok(())
}

struct Args {
    leads: usize,
    ways: Vec<Way>,
    runs: usize,
}

fn args() -> Result<Args> {
    let mut a = Args {
        leads: 10_000,
        ways: vec![Way::SfToJing, Way::JingToSf],
        runs: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--leads" => a.leads = value.replace('_', "").parse()?,
            "--runs" => a.runs = value.parse()?,
            "--way" => {
                a.ways = match value.as_str() {
                    "sf-to-jing" => vec![Way::SfToJing],
                    "jing-to-sf" => vec![Way::JingToSf],
                    _ => return Err(format!("--way {value}: sf-to-jing or jing-to-sf").into()),
                }
            }
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

async fn one_run(dir: &Path, way: Way, leads: usize) -> Result<Measured> {
    let bins = bin_dir()?;
    let limit = "100000000";
    let sf_args = [
        "--port",
        "0",
        "--client-id",
        SF_CLIENT_ID,
        "--client-secret",
        SF_CLIENT_SECRET,
        "--daily-limit",
        limit,
    ];
    let (_sf, sf_url) = spawn_sim(&bins.join("sf-sim"), &sf_args)?;
    let (_jing, jing_url) = spawn_sim(&bins.join("jing-sim"), &["--port", "0"])?;
    let jing_cfg = jing_sim::JingSimConfig::default();
    let sims = Sims {
        sf_url,
        sf_client_id: SF_CLIENT_ID.into(),
        sf_client_secret: SF_CLIENT_SECRET.into(),
        jing_url,
        jing_app_id: jing_cfg.app_id,
        jing_app_secret: jing_cfg.app_secret,
        jing_mid: jing_cfg.mid,
    };
    let t = std::time::Instant::now();
    harness::seed(&sims, way, leads).await?;
    eprintln!(
        "  seeded {leads} leads in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let serve = harness::start_serve(&bins.join("jingsf"), dir, &sims).await?;
    harness::install(&serve, &sims).await?;
    let sim_pids = [("sf-sim", _sf.0.id()), ("jing-sim", _jing.0.id())];
    let sim_cpu = |pid| harness::cpu_seconds(pid).map(|(user, sys)| user + sys);
    let before = sim_pids.map(|(_, pid)| sim_cpu(pid));
    let mut m = harness::initialize(&serve, &sims, way, leads).await?;
    for ((name, pid), before) in sim_pids.into_iter().zip(before) {
        m.sim_cpu.insert(name, sim_cpu(pid)? - before?);
    }
    m.samples_checked = harness::check_samples(&sims, way, leads, 50).await?;
    Ok(m)
}

fn row(m: &Measured) -> String {
    format!(
        "{:>9} leads  {:>7.1} s  {:>7.0} rec/s  SF calls {:>3}  JING calls {:>6}  CPU {:>6.1} µs/rec (user {:.1} s, sys {:.1} s)  peak RSS {:>4} MB  ok {} failed {} target {} samples {}",
        m.leads,
        m.seconds,
        m.records_per_second(),
        m.sf_calls,
        m.jing_calls,
        m.cpu_us_per_record(),
        m.cpu_user,
        m.cpu_sys,
        m.peak_rss_kib / 1024,
        m.ok,
        m.failed,
        m.target_count,
        m.samples_checked,
    )
}

fn spread(label: &str, mut xs: Vec<f64>) -> String {
    xs.sort_by(f64::total_cmp);
    let (min, max) = (xs[0], xs[xs.len() - 1]);
    format!(
        "{label} min {min:.1} / median {:.1} / max {max:.1}",
        xs[xs.len() / 2]
    )
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = args()?;
    warn_if_stale(&bin_dir()?)?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "init_scale: {} leads, {} run(s) per way; load average at start: {}",
        a.leads,
        a.runs,
        load.trim()
    );
    for way in a.ways {
        let mut runs = Vec::new();
        for r in 0..a.runs {
            let dir =
                std::env::temp_dir().join(format!("jingsf-init-scale-{}-{r}", std::process::id()));
            let m = one_run(&dir, way, a.leads).await?;
            println!("{} run {}: {}", way.label(), r + 1, row(&m));
            println!("    Salesforce calls by kind: {:?}", m.sf_by_kind);
            println!("    JING calls by kind: {:?}", m.jing_by_kind);
            println!("    simulators' CPU seconds: {:?}", m.sim_cpu);
            runs.push(m);
        }
        if runs.len() > 1 {
            println!(
                "{} over {} runs: {}; {}; {}",
                way.label(),
                runs.len(),
                spread(
                    "records/s",
                    runs.iter().map(Measured::records_per_second).collect()
                ),
                spread(
                    "CPU µs/record",
                    runs.iter().map(Measured::cpu_us_per_record).collect()
                ),
                spread(
                    "peak RSS MB",
                    runs.iter()
                        .map(|m| m.peak_rss_kib as f64 / 1024.0)
                        .collect()
                ),
            );
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at end: {}", load.trim());
    Ok(())
}
