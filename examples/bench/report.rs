//! The results as markdown tables, with each target checked.

use std::fmt::Write;

use crate::{apply_case, baseline, sizes};

/// Everything one benchmark run measured.
#[derive(Default)]
pub struct Results {
    pub applies: Vec<apply_case::Measured>,
    /// Issue 14: one and three tokens, fixed and sliding windows.
    pub pacing: Vec<apply_case::Measured>,
    pub baselines: Vec<baseline::Measured>,
    pub sizes: Vec<sizes::Measured>,
    pub engine: Option<apply_case::Measured>,
}

fn rate(r: ghl_migrate::sandbox::RateLimit) -> String {
    if r.interval_ms.is_multiple_of(1000) {
        format!("{}/{} s", r.max, r.interval_ms / 1000)
    } else {
        format!("{}/{} ms", r.max, r.interval_ms)
    }
}

fn latency(l: Option<ghl_migrate::sandbox::LatencyRange>) -> String {
    l.map_or("none".into(), |l| format!("{}..{} ms", l.min_ms, l.max_ms))
}

fn mem(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.0} MB", k as f64 / 1024.0))
}

pub fn markdown(r: &Results) -> String {
    let mut s = String::new();
    if !r.applies.is_empty() {
        s.push_str(
            "### Apply (the real `ghl-migrate apply`, V2 over HTTP to the sandbox)\n\n\
             | case | limit | latency | objects moved (fields/contacts/opps/notes/tasks) | wall s | objects/s | \
             objects/s ÷ ceiling | requests | requests/s ÷ ceiling | pacing | requests/object | \
             waste % | 429s | lost | duplicated | exit |\n\
             |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        );
        for m in &r.applies {
            let k = |name| m.check.moved_by_kind.get(name).copied().unwrap_or(0);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} ({}/{}/{}/{}/{}) | {:.1} | {:.2} | {:.2} | {} | {:.2} | {} | {:.2} | \
                 {:.1} | {} | {} | {} | {} |",
                m.label,
                rate(m.rate),
                latency(m.latency),
                m.check.moved,
                k("custom_field"),
                k("contact"),
                k("opportunity"),
                k("note"),
                k("task"),
                m.wall_s,
                m.objects_per_s(),
                m.objects_per_s() / m.ceiling(),
                m.traffic.requests,
                m.requests_per_s() / m.ceiling(),
                m.traffic.pacing.map_or("n/a".into(), |p| format!("{p:.3}")),
                m.traffic.requests as f64 / m.check.moved.max(1) as f64,
                m.traffic.waste_percent(),
                m.traffic.too_many,
                m.check.lost,
                m.check.duplicated,
                m.exit_code.map_or("signal".into(), |c| c.to_string()),
            );
        }
        s.push('\n');
    }
    if !r.pacing.is_empty() {
        s.push_str(&pacing_table(&r.pacing));
    }
    if !r.baselines.is_empty() {
        s.push_str(
            "### Old strategy (baseline) vs. apply, demo account (198 source contacts)\n\n\
             | limit | latency | strategy | contacts moved | opportunities moved | wall s | objects/s | \
             lost | rejected | requests | 429s | speed-up |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        );
        for b in &r.baselines {
            let _ = writeln!(
                s,
                "| {} | {} | old: sequential, 0.2 s sleep, 1/2/4 s backoff | {} of {} | 0 | {:.1} | \
                 {:.2} | {} | {} | {} | {} | 1.0× |",
                rate(b.rate),
                latency(b.latency),
                b.moved,
                b.attempted,
                b.wall_s,
                b.objects_per_s(),
                b.lost,
                b.rejected,
                b.requests,
                b.too_many,
            );
            if let Some(a) = r
                .applies
                .iter()
                .find(|a| a.rate == b.rate && a.latency == b.latency && a.label.starts_with("demo"))
            {
                let k = |name| a.check.moved_by_kind.get(name).copied().unwrap_or(0);
                let _ = writeln!(
                    s,
                    "| {} | {} | ghl-migrate apply | {} | {} | {:.1} | {:.2} | {} | {} | {} | {} | {:.1}× |",
                    rate(a.rate),
                    latency(a.latency),
                    k("contact"),
                    k("opportunity"),
                    a.wall_s,
                    a.objects_per_s(),
                    a.check.lost,
                    a.traffic.errors,
                    a.traffic.requests,
                    a.traffic.too_many,
                    a.objects_per_s() / b.objects_per_s().max(1e-9),
                );
            }
        }
        s.push('\n');
    }
    if !r.sizes.is_empty() {
        s.push_str(
            "### Fetch and plan\n\n\
             | what | detail | time s | peak memory |\n|---|---|---|---|\n",
        );
        for m in &r.sizes {
            let _ = writeln!(
                s,
                "| {} | {} | {:.1} | {} |",
                m.label,
                m.detail,
                m.wall_s,
                mem(m.peak_kib)
            );
        }
        s.push('\n');
    }
    if let Some(e) = &r.engine {
        s.push_str(
            "### Engine overhead (no rate limit, no latency, durable checkpoint: WAL, synchronous=NORMAL)\n\n\
             | steps in plan | steps done | wall s (whole process, incl. the stale-plan read) | steps/s | requests | lost | duplicated |\n\
             |---|---|---|---|---|---|---|\n",
        );
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} | {:.0} | {} | {} | {} |",
            e.steps,
            e.check.moved,
            e.wall_s,
            e.check.moved as f64 / e.wall_s,
            e.traffic.requests,
            e.check.lost,
            e.check.duplicated
        );
        s.push('\n');
    }
    s.push_str(&targets(r));
    s
}

fn window(w: ghl_migrate::sandbox::WindowKind) -> &'static str {
    match w {
        ghl_migrate::sandbox::WindowKind::Fixed => "fixed",
        ghl_migrate::sandbox::WindowKind::Sliding => "sliding",
    }
}

/// The one-token run that a k-token run is compared with: same window, limit and latency.
fn one_token_twin<'a>(
    all: &'a [apply_case::Measured],
    m: &apply_case::Measured,
) -> Option<&'a apply_case::Measured> {
    all.iter().find(|o| {
        o.tokens == 1
            && o.window == m.window
            && o.rate == m.rate
            && o.latency == m.latency
            && o.check.moved == m.check.moved
    })
}

fn pacing_table(rows: &[apply_case::Measured]) -> String {
    let mut s = String::from(
        "### Pacing under either window, one and three tokens (issue 14)\n\n\
         | case | window | tokens | limit per token | latency | objects moved | wall s | objects/s | \
         objects/s ÷ ceiling | pacing | requests | waste % | 429s (% of requests) | speed-up over 1 token | \
         lost | duplicated | exit |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for m in rows {
        let speedup = one_token_twin(rows, m)
            .filter(|o| m.tokens > 1 && o.objects_per_s() > 0.0)
            .map_or("".into(), |o| {
                format!("{:.2}×", m.objects_per_s() / o.objects_per_s())
            });
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.3} | {} | {} | {:.1} | {} ({:.2}%) | {} | {} | {} | {} |",
            m.label,
            window(m.window),
            m.tokens,
            rate(m.rate),
            latency(m.latency),
            m.check.moved,
            m.wall_s,
            m.objects_per_s(),
            m.objects_per_s() / m.ceiling(),
            m.traffic.pacing.map_or("n/a".into(), |p| format!("{p:.3}")),
            m.traffic.requests,
            m.traffic.waste_percent(),
            m.traffic.too_many,
            100.0 * m.traffic.too_many as f64 / m.traffic.requests.max(1) as f64,
            speedup,
            m.check.lost,
            m.check.duplicated,
            m.exit_code.map_or("signal".into(), |c| c.to_string()),
        );
    }
    s.push('\n');
    s
}

/// Issue 14's bars for one pacing row.
fn pacing_targets(rows: &[apply_case::Measured], s: &mut String) {
    let mark = |ok: bool| if ok { "met" } else { "NOT met" };
    for m in rows {
        let frac = m.objects_per_s() / m.ceiling();
        let share_429 = 100.0 * m.traffic.too_many as f64 / m.traffic.requests.max(1) as f64;
        let _ = write!(
            s,
            "- {}: objects/s {frac:.3} of the ceiling (target >= 0.95 with one token): {}; \
             429s {share_429:.2}% (<= 1%): {}; {}; lost {} / duplicated {}: {}",
            m.label,
            if m.tokens == 1 {
                mark(frac >= 0.95)
            } else {
                "n/a"
            },
            mark(share_429 <= 1.0),
            m.traffic.waste_target(),
            m.check.lost,
            m.check.duplicated,
            mark(m.check.lost == 0 && m.check.duplicated == 0),
        );
        if let Some(o) = one_token_twin(rows, m).filter(|_| m.tokens > 1) {
            let x = m.objects_per_s() / o.objects_per_s().max(1e-9);
            let bar = 0.9 * m.tokens as f64;
            let _ = write!(
                s,
                "; {x:.2}× the one-token rate (target >= {bar:.1}×): {}",
                mark(x >= bar)
            );
        }
        s.push('\n');
    }
}

/// Each target, met or not.
fn targets(r: &Results) -> String {
    let mut s = String::from("### Targets\n\n");
    let mark = |ok: bool| if ok { "met" } else { "NOT met" };
    for a in &r.applies {
        let frac = a.traffic.pacing.unwrap_or(a.requests_per_s() / a.ceiling());
        let _ = writeln!(
            s,
            "- {}: pacing {:.3} of the ceiling (target >= 0.95): {}; {}; \
             lost {} / duplicated {} (0): {}",
            a.label,
            frac,
            mark(frac >= 0.95),
            a.traffic.waste_target(),
            a.check.lost,
            a.check.duplicated,
            mark(a.check.lost == 0 && a.check.duplicated == 0),
        );
    }
    pacing_targets(&r.pacing, &mut s);
    for b in &r.baselines {
        if let Some(a) = r
            .applies
            .iter()
            .find(|a| a.rate == b.rate && a.latency == b.latency && a.label.starts_with("demo"))
        {
            let x = a.objects_per_s() / b.objects_per_s().max(1e-9);
            let verdict = if b.rate.max == 100 && b.rate.interval_ms == 10_000 {
                format!("(target >= 4× at the default limit): {}", mark(x >= 4.0))
            } else {
                let ceiling = f64::from(b.rate.max) * 1000.0 / b.rate.interval_ms as f64;
                format!(
                    "(no target here: the old strategy already runs at {:.0}% of this \
                     {ceiling} requests/s ceiling)",
                    100.0 * b.objects_per_s() / ceiling
                )
            };
            let _ = writeln!(
                s,
                "- speed-up over the old strategy at {}: {x:.1}× {verdict}",
                rate(b.rate)
            );
        }
    }
    if let Some(e) = &r.engine {
        let sps = e.check.moved as f64 / e.wall_s;
        let _ = writeln!(
            s,
            "- engine: {sps:.0} steps/s (target >= 2,000): {}",
            mark(sps >= 2000.0)
        );
    }
    s
}
