//! Where a benchmark case runs: a folder under `target/bench/` holding its declarations, plan,
//! checkpoint and trace, and the real `ghl-migrate` binary run in it (timed, its peak memory
//! taken by GNU time when present).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const TOKEN_ENV: &str = "GHL_BENCH_TOKEN";
pub const TOKEN: &str = "bench-token";

/// The variable and value of the bench's `n`-th token (0 is [`TOKEN_ENV`]): cases with several
/// tokens on one target name them all in `token_env`.
pub fn token(n: usize) -> (String, String) {
    if n == 0 {
        (TOKEN_ENV.to_string(), TOKEN.to_string())
    } else {
        (format!("{TOKEN_ENV}_{n}"), format!("{TOKEN}-{n}"))
    }
}

/// How many tokens the bench sets in the environment of what it runs.
pub const MAX_TOKENS: usize = 3;

/// The release binary beside this example (`target/release/ghl-migrate`).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples");
    dir.join(format!("ghl-migrate{}", std::env::consts::EXE_SUFFIX))
}

/// Builds the binary with the same profile as this example (a no-op when up to date).
pub fn build_binary() {
    let release = !cfg!(debug_assertions);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "--bin", "ghl-migrate"]);
    if release {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("cargo build");
    assert!(status.success(), "cargo build --bin ghl-migrate failed");
}

/// One case's folder.
pub struct Workspace {
    pub dir: PathBuf,
}

/// A finished run of the binary.
pub struct Run {
    pub output: Output,
    pub elapsed: Duration,
    /// Peak resident memory in KiB, when measurable.
    pub peak_kib: Option<u64>,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Panics with the binary's output unless it exited with one of `codes`.
    pub fn expect(&self, what: &str, codes: &[i32]) {
        let code = self.code();
        if !code.is_some_and(|c| codes.contains(&c)) {
            panic!(
                "{what}: exit {code:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&self.output.stdout),
                String::from_utf8_lossy(&self.output.stderr)
            );
        }
    }
}

impl Workspace {
    /// A fresh folder `target/bench/<name>`.
    pub fn new(name: &str) -> Workspace {
        let dir = target_dir().join("bench").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench folder");
        let dir = dir.canonicalize().expect("bench folder");
        Workspace { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    /// `migration.yaml` (fixture source and target) and the plan the real `plan` makes from it.
    pub fn plan_fixtures(&self, name: &str, source: &Path, target: &Path) -> (PathBuf, Run) {
        let yaml = format!(
            "name: {name}\nsource:\n  api: fixture\n  path: {}\ntarget:\n  api: fixture\n  path: {}\n\
             existing_contacts: merge\n",
            source.display(),
            target.display()
        );
        let config = self.write("migration.yaml", &yaml);
        let plan = self.path("plan.yaml");
        let run = self.run(&[
            "plan",
            "-c",
            config.to_str().unwrap(),
            "-o",
            plan.to_str().unwrap(),
        ]);
        run.expect("plan", &[0]);
        (plan, run)
    }

    /// Runs `ghl-migrate ARGS` in this folder with the bench token set.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_program(&binary(), args)
    }

    /// Runs `program ARGS` in this folder with the bench token set, timed, peak memory taken.
    pub fn run_program(&self, program: &Path, args: &[&str]) -> Run {
        let time = Path::new("/usr/bin/time");
        let peak_file = self.path("peak-kib.txt");
        let _ = std::fs::remove_file(&peak_file);
        let mut cmd = if time.exists() {
            let mut c = Command::new(time);
            c.arg("-f").arg("%M").arg("-o").arg(&peak_file).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.current_dir(&self.dir).env_remove("RUST_LOG").args(args);
        for n in 0..MAX_TOKENS {
            let (var, value) = token(n);
            cmd.env(var, value);
        }
        let started = Instant::now();
        let output = cmd.output().expect("run ghl-migrate");
        let elapsed = started.elapsed();
        let peak_kib = std::fs::read_to_string(&peak_file)
            .ok()
            .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
        Run {
            output,
            elapsed,
            peak_kib,
        }
    }
}

/// `target/` (or `CARGO_TARGET_DIR`), found from this example's path.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"))
}
