//! Unit tests of the pacing decision, with literal headers and instants.

use super::*;

fn limits() -> Limits {
    Limits {
        max_in_flight: 16,
        max_per_interval: None,
        min_delay: None,
        daily_reserve: 1_000,
    }
}

fn headers(max: u32, remaining: u32, interval_ms: u64, daily: u64) -> RateHeaders {
    RateHeaders {
        max: Some(max),
        remaining: Some(remaining),
        interval_ms: Some(interval_ms),
        daily_limit: Some(200_000),
        daily_remaining: Some(daily),
        daily_reset_ms: None,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Sends one request at `now` if the pacer allows it and completes it at once.
fn send_and_complete(pace: &mut Pace, l: &Limits, now: Instant, h: &RateHeaders) -> Decision {
    let d = decide(pace, l, now);
    if d == Decision::Go {
        on_send(pace, now);
        on_complete(pace, now, Outcome::Status(200), h, now, 0.0);
    }
    d
}

#[test]
fn headers_are_read_case_insensitively() {
    let h = RateHeaders::from_pairs([
        ("x-ratelimit-max", "25"),
        ("X-RateLimit-Remaining", " 24 "),
        ("X-RATELIMIT-INTERVAL-MILLISECONDS", "10000"),
        ("x-ratelimit-limit-daily", "10000"),
        ("x-ratelimit-daily-remaining", "9999"),
        ("x-ratelimit-daily-reset", "3600000"),
        ("content-type", "application/json"),
    ]);
    assert_eq!(
        h,
        RateHeaders {
            max: Some(25),
            remaining: Some(24),
            interval_ms: Some(10_000),
            daily_limit: Some(10_000),
            daily_remaining: Some(9_999),
            daily_reset_ms: Some(3_600_000),
        }
    );
    assert!(!RateHeaders::from_pairs([("x-ratelimit-max", "lots")]).any());
}

#[test]
fn one_request_at_a_time_until_the_first_response() {
    let l = limits();
    let mut p = Pace::default();
    let t0 = Instant::now();
    assert_eq!(decide(&mut p, &l, t0), Decision::Go);
    on_send(&mut p, t0);
    assert_eq!(decide(&mut p, &l, t0), Decision::WaitForSlot);
    on_complete(
        &mut p,
        t0,
        Outcome::Status(200),
        &headers(100, 99, 10_000, 199_999),
        t0 + ms(50),
        0.0,
    );
    // Headers seen: up to max_in_flight at once.
    for _ in 0..16 {
        assert_eq!(decide(&mut p, &l, t0 + ms(50)), Decision::Go);
        on_send(&mut p, t0 + ms(50));
    }
    assert_eq!(decide(&mut p, &l, t0 + ms(50)), Decision::WaitForSlot);
}

#[test]
fn a_25_per_10s_token_gets_25_then_waits_for_the_window() {
    let l = limits();
    let mut p = Pace::default();
    let t0 = Instant::now();
    for i in 0..25u32 {
        let h = headers(25, 24 - i, 10_000, 9_000);
        assert_eq!(
            send_and_complete(&mut p, &l, t0 + ms(i as u64), &h),
            Decision::Go,
            "request {i}"
        );
    }
    let now = t0 + ms(100);
    match decide(&mut p, &l, now) {
        Decision::Wait(d) => {
            // The first send leaves the widened window at 10 s * 1.005 = 10.05 s.
            assert_eq!(d, ms(10_050) - ms(100));
        }
        other => panic!("expected a wait, got {other:?}"),
    }
    // Interval rollover: once the window has passed, requests go again.
    assert_eq!(decide(&mut p, &l, t0 + ms(10_050)), Decision::Go);
}

#[test]
fn the_user_ceiling_lowers_the_server_one_but_never_raises_it() {
    let mut l = limits();
    l.max_per_interval = Some(10);
    let mut p = Pace::default();
    let t0 = Instant::now();
    for i in 0..10 {
        assert_eq!(
            send_and_complete(&mut p, &l, t0, &headers(100, 99 - i, 10_000, 9_000)),
            Decision::Go
        );
    }
    assert!(matches!(decide(&mut p, &l, t0), Decision::Wait(_)));
    l.max_per_interval = Some(1_000);
    assert_eq!(p.ceiling(&l), Some(100));
}

#[test]
fn remaining_zero_from_another_user_of_the_token_pauses_until_the_window_passes() {
    let l = limits();
    let mut p = Pace::default();
    let t0 = Instant::now();
    // Our first request finds the window already spent by someone else.
    assert_eq!(
        send_and_complete(&mut p, &l, t0, &headers(25, 0, 10_000, 9_000)),
        Decision::Go
    );
    assert_eq!(p.log.len(), 25);
    assert!(matches!(
        decide(&mut p, &l, t0 + ms(5_000)),
        Decision::Wait(_)
    ));
    assert_eq!(decide(&mut p, &l, t0 + ms(10_100)), Decision::Go);
}

#[test]
fn remaining_already_explained_by_our_own_sends_adds_nothing() {
    let l = limits();
    let mut p = Pace::default();
    let t0 = Instant::now();
    for i in 0..5u32 {
        send_and_complete(
            &mut p,
            &l,
            t0 + ms(i as u64),
            &headers(100, 99 - i, 10_000, 9_000),
        );
    }
    assert_eq!(p.log.len(), 5);
}

#[test]
fn a_429_pauses_everyone_for_an_interval_plus_bounded_jitter() {
    let l = limits();
    let mut p = Pace::default();
    let t0 = Instant::now();
    send_and_complete(&mut p, &l, t0, &headers(100, 99, 10_000, 9_000));
    on_send(&mut p, t0 + ms(1));
    let pause = on_complete(
        &mut p,
        t0 + ms(1),
        Outcome::Status(429),
        &headers(100, 0, 10_000, 9_000),
        t0 + ms(2),
        0.5,
    )
    .expect("a 429 starts a pause");
    assert_eq!(pause, ms(10_000) + ms(1_250));
    assert_eq!(
        decide(&mut p, &l, t0 + ms(3)),
        Decision::Wait(pause - ms(1))
    );
    assert_eq!(decide(&mut p, &l, t0 + ms(2) + pause), Decision::Go);
}

#[test]
fn pause_after_429_bounds() {
    for jitter in [0.0, 0.25, 0.5, 0.999, 7.0, -1.0] {
        let p = pause_after_429(Some(ms(10_000)), jitter);
        assert!(p >= ms(10_000) && p < ms(12_500), "{jitter}: {p:?}");
        let p = pause_after_429(Some(ms(500)), jitter);
        assert!(p >= ms(500) && p < ms(625), "{jitter}: {p:?}");
    }
    // Before any header: the documented window.
    assert_eq!(pause_after_429(None, 0.0), FALLBACK_INTERVAL);
}

#[test]
fn the_daily_reserve_stops_every_request() {
    let mut l = limits();
    l.daily_reserve = 1_000;
    let mut p = Pace::default();
    let t0 = Instant::now();
    assert_eq!(
        send_and_complete(&mut p, &l, t0, &headers(100, 99, 10_000, 1_003)),
        Decision::Go
    );
    for _ in 0..3 {
        assert_eq!(decide(&mut p, &l, t0), Decision::Go);
        on_send(&mut p, t0);
    }
    assert_eq!(
        decide(&mut p, &l, t0),
        Decision::DailyBudget { remaining: 1_000 }
    );
    // A later response re-bases the count.
    on_complete(
        &mut p,
        t0,
        Outcome::Status(200),
        &headers(100, 95, 10_000, 1_500),
        t0,
        0.0,
    );
    assert_eq!(decide(&mut p, &l, t0), Decision::Go);
}

#[test]
fn min_delay_spaces_requests() {
    let mut l = limits();
    l.min_delay = Some(ms(200));
    let mut p = Pace::default();
    let t0 = Instant::now();
    send_and_complete(&mut p, &l, t0, &headers(100, 99, 10_000, 9_000));
    assert_eq!(decide(&mut p, &l, t0 + ms(50)), Decision::Wait(ms(150)));
    assert_eq!(decide(&mut p, &l, t0 + ms(200)), Decision::Go);
}

#[test]
fn no_headers_means_no_window_pacing_after_the_first_response() {
    let l = limits();
    let mut p = Pace::default();
    let t0 = Instant::now();
    send_and_complete(&mut p, &l, t0, &RateHeaders::default());
    for _ in 0..16 {
        assert_eq!(decide(&mut p, &l, t0), Decision::Go);
        on_send(&mut p, t0);
    }
    assert_eq!(decide(&mut p, &l, t0), Decision::WaitForSlot);
}

/// A simulated server counting arrivals in fixed windows from its first request, or (when
/// `sliding`) within the interval before each arrival.
struct FixedWindowServer {
    max: u32,
    interval: Duration,
    start: Option<Instant>,
    window: u64,
    count: u32,
    sliding: Option<std::collections::VecDeque<Instant>>,
}

impl FixedWindowServer {
    fn arrive(&mut self, at: Instant) -> (u16, RateHeaders) {
        if let Some(log) = &mut self.sliding {
            while log.front().is_some_and(|t| at - *t >= self.interval) {
                log.pop_front();
            }
            self.count = log.len() as u32;
        } else {
            let start = *self.start.get_or_insert(at);
            let w = (at - start).as_millis() as u64 / self.interval.as_millis() as u64;
            if w != self.window {
                self.window = w;
                self.count = 0;
            }
        }
        let status = if self.count >= self.max { 429 } else { 200 };
        if status == 200 {
            self.count += 1;
            if let Some(log) = &mut self.sliding {
                log.push_back(at);
            }
        }
        let h = RateHeaders {
            max: Some(self.max),
            remaining: Some(self.max - self.count),
            interval_ms: Some(self.interval.as_millis() as u64),
            daily_limit: None,
            daily_remaining: Some(1_000_000),
            daily_reset_ms: None,
        };
        (status, h)
    }
}

/// Drives the pacer against the simulated server for `secs` with `latency` each way, and
/// returns (successful requests, 429s).
fn simulate(max: u32, interval_ms: u64, latency: Duration, secs: u64) -> (u64, u64) {
    simulate_with(max, interval_ms, &|_| latency, secs)
}

/// As [`simulate`], with the one-way latency of request `n` given by `latency(n)` (there) and
/// `latency(n + 1_000_000)` (back). The server handles arrivals in the order they arrive.
fn simulate_with(
    max: u32,
    interval_ms: u64,
    latency: &dyn Fn(u64) -> Duration,
    secs: u64,
) -> (u64, u64) {
    simulate_on(max, interval_ms, latency, secs, false)
}

/// As [`simulate_with`], against a sliding window when `sliding`.
fn simulate_on(
    max: u32,
    interval_ms: u64,
    latency: &dyn Fn(u64) -> Duration,
    secs: u64,
    sliding: bool,
) -> (u64, u64) {
    let l = limits();
    let mut p = Pace::default();
    let mut server = FixedWindowServer {
        max,
        interval: ms(interval_ms),
        start: None,
        window: 0,
        count: 0,
        sliding: sliding.then(Default::default),
    };
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(secs);
    // On the way: (arrives_at, sent_at, way back).
    let mut going: Vec<(Instant, Instant, Duration)> = Vec::new();
    // Answered: (completes_at, sent_at, status, headers).
    let mut coming: Vec<(Instant, Instant, u16, RateHeaders)> = Vec::new();
    let (mut ok, mut limited, mut sent) = (0u64, 0u64, 0u64);
    let mut now = t0;
    while now < end {
        going.sort_by_key(|r| r.0);
        while going.first().is_some_and(|r| r.0 <= now) {
            let (at, sent_at, back) = going.remove(0);
            let (status, h) = server.arrive(at);
            coming.push((at + back, sent_at, status, h));
        }
        coming.sort_by_key(|r| r.0);
        while coming.first().is_some_and(|r| r.0 <= now) {
            let (_, sent_at, status, h) = coming.remove(0);
            on_complete(&mut p, sent_at, Outcome::Status(status), &h, now, 0.5);
            if status == 429 { limited += 1 } else { ok += 1 }
        }
        while decide(&mut p, &l, now) == Decision::Go {
            on_send(&mut p, now);
            going.push((now + latency(sent), now, latency(sent + 1_000_000)));
            sent += 1;
        }
        now += ms(1);
    }
    (ok, limited)
}

/// A deterministic pseudo-random latency in `[lo, hi]` ms for request `n`.
fn jittery(lo: u64, hi: u64) -> impl Fn(u64) -> Duration {
    move |n| {
        let x = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
            >> 33;
        ms(lo + x % (hi - lo + 1))
    }
}

#[test]
fn steady_state_reaches_95_percent_of_100_per_10s_without_429() {
    let (ok, limited) = simulate(100, 10_000, ms(40), 120);
    assert_eq!(limited, 0);
    // Ceiling: 100 per 10 s over 120 s = 1200.
    assert!(ok as f64 >= 0.95 * 1200.0, "{ok}");
}

#[test]
fn steady_state_reaches_95_percent_of_25_per_10s_without_429() {
    let (ok, limited) = simulate(25, 10_000, ms(150), 200);
    assert_eq!(limited, 0);
    assert!(ok as f64 >= 0.95 * 500.0, "{ok}");
}

#[test]
fn time_scaled_25_per_500ms_behaves_the_same() {
    let (ok, limited) = simulate(25, 500, ms(2), 20);
    assert_eq!(limited, 0);
    assert!(ok as f64 >= 0.95 * 1000.0, "{ok}");
}

#[test]
fn unforeseen_429s_widen_the_window_within_a_bound() {
    let l = limits();
    let mut p = Pace::default();
    let t0 = Instant::now();
    send_and_complete(&mut p, &l, t0, &headers(25, 24, 10_000, 9_000));
    assert_eq!(p.window(), ms(10_050));
    // Sixteen requests caught in one pause widen the window once.
    for _ in 0..16 {
        on_send(&mut p, t0);
        on_complete(
            &mut p,
            t0,
            Outcome::Status(429),
            &headers(25, 0, 10_000, 9_000),
            t0,
            0.0,
        );
    }
    assert!(
        (p.extra_margin - MARGIN_PER_429).abs() < 1e-9,
        "{}",
        p.extra_margin
    );
    // Pause after pause, up to the bound.
    let mut now = t0;
    for _ in 0..20 {
        now += ms(20_000);
        on_send(&mut p, now);
        on_complete(
            &mut p,
            now,
            Outcome::Status(429),
            &headers(25, 0, 10_000, 9_000),
            now,
            0.0,
        );
    }
    assert_eq!(p.extra_margin, MAX_EXTRA_MARGIN);
    assert_eq!(p.window(), ms(12_250));
}

#[test]
fn the_spread_of_round_trips_widens_the_window_within_a_bound() {
    let mut p = Pace::default();
    let t0 = Instant::now();
    let h = headers(25, 24, 500, 9_000);
    for rtt in [5, 40, 12] {
        on_send(&mut p, t0);
        on_complete(&mut p, t0, Outcome::Status(200), &h, t0 + ms(rtt), 0.0);
    }
    assert_eq!(p.rtt_spread(), ms(35));
    assert_eq!(p.window(), Duration::from_micros(502_500) + ms(35));
    on_send(&mut p, t0);
    on_complete(&mut p, t0, Outcome::Status(200), &h, t0 + ms(400), 0.0);
    assert_eq!(
        p.window(),
        Duration::from_micros(502_500) + ms(50),
        "at most a tenth of the interval"
    );
}

#[test]
fn one_late_answer_among_many_does_not_widen_the_window() {
    let mut p = Pace::default();
    let t0 = Instant::now();
    let h = headers(25, 24, 1_000, 9_000);
    let complete = |p: &mut Pace, rtt| {
        on_send(p, t0);
        on_complete(p, t0, Outcome::Status(200), &h, t0 + ms(rtt), 0.0);
    };
    for i in 0..SPREAD_OUTLIER_FROM as u64 {
        complete(&mut p, 80 + (i % 2) * 39);
    }
    complete(&mut p, 300);
    assert_eq!(p.rtt_spread(), ms(39), "the one late answer is left out");
    complete(&mut p, 290);
    assert_eq!(p.rtt_spread(), ms(210), "two are not an accident");
}

#[test]
fn jittery_latency_costs_no_429_and_little_throughput() {
    // 20..300 ms each way against 100 per 10 s.
    let (ok, limited) = simulate_with(100, 10_000, &jittery(20, 300), 120);
    assert_eq!(limited, 0);
    assert!(ok as f64 >= 0.95 * 1200.0, "{ok}");
    // 1..60 ms each way against 25 per 500 ms: the spread is large next to the window.
    let (ok, limited) = simulate_with(25, 500, &jittery(1, 60), 30);
    assert_eq!(limited, 0);
    assert!(ok as f64 >= 0.85 * 1500.0, "{ok}");
}

#[test]
fn a_sliding_window_with_jittery_arrivals_costs_no_429() {
    // Issue 14's settings, the whole latency before the server's counter (the worst case):
    // 20 per 1 s with 80..120 ms round trips, and 100 per 10 s with 100..400 ms.
    let (ok, limited) = simulate_on(20, 1_000, &jittery(40, 60), 120, true);
    assert_eq!(limited, 0);
    assert!(ok as f64 >= 0.95 * 2400.0, "{ok}");
    let (ok, limited) = simulate_on(100, 10_000, &jittery(50, 200), 300, true);
    assert_eq!(limited, 0);
    assert!(ok as f64 >= 0.95 * 3000.0, "{ok}");
}

#[tokio::test]
async fn a_refusal_for_the_day_is_remembered_until_the_budget_is_forgotten() {
    let mut l = limits();
    l.daily_reserve = 5;
    let limiter = Limiter::new(l);
    let permit = limiter.acquire().await.expect("the first request goes");
    limiter.complete(permit, Outcome::Status(200), &headers(100, 99, 10_000, 6));
    assert!(!limiter.daily_refused());
    let permit = limiter.acquire().await.expect("one left above the reserve");
    // The new day's answer arrives after the refusal below: the budget is back, and the run
    // that stopped knows it was the budget that stopped it.
    assert_eq!(
        limiter.acquire().await.err(),
        Some(Refusal::DailyBudget { remaining: 5 })
    );
    assert!(limiter.daily_refused());
    limiter.complete(permit, Outcome::Status(200), &headers(100, 98, 10_000, 200));
    assert!(limiter.daily_refused() && limiter.daily_left() > Some(5));
    limiter.forget_daily();
    assert!(!limiter.daily_refused());
    assert_eq!(limiter.daily_left(), None);
}

#[tokio::test]
async fn a_daily_count_answered_late_gives_back_no_budget_but_a_new_day_does() {
    let daily: Arc<Mutex<Daily>> = Arc::default();
    let (a, b) = (
        Limiter::with_daily(limits(), Arc::clone(&daily)),
        Limiter::with_daily(limits(), daily),
    );
    let first = a.acquire().await.expect("goes");
    a.complete(
        first,
        Outcome::Status(200),
        &headers(100, 99, 10_000, 5_000),
    );
    assert_eq!(a.daily_left(), Some(5_000));
    // Three requests in flight on two tokens; the server counts all three, and the answer to
    // the last one comes first.
    // (b, which has had no answer yet, sends one request at a time until it has.)
    let (x, y, z) = (
        a.acquire().await.unwrap(),
        a.acquire().await.unwrap(),
        b.acquire().await.unwrap(),
    );
    b.complete(z, Outcome::Status(200), &headers(100, 97, 10_000, 4_997));
    assert_eq!(b.daily_left(), Some(4_997));
    // The earlier two, answered late, announce the count of their moment: nothing comes back.
    a.complete(x, Outcome::Status(200), &headers(100, 98, 10_000, 4_999));
    a.complete(y, Outcome::Status(200), &headers(100, 98, 10_000, 4_998));
    assert_eq!(a.daily_left(), Some(4_997));
    assert_eq!(b.daily_left(), Some(4_997));
    // A lower count is always taken (another integration spends the location's budget too).
    let p = a.acquire().await.unwrap();
    a.complete(p, Outcome::Status(200), &headers(100, 97, 10_000, 4_000));
    assert_eq!(b.daily_left(), Some(4_000));
    // More than the requests in flight can explain: a new day.
    let p = b.acquire().await.unwrap();
    b.complete(p, Outcome::Status(200), &headers(100, 99, 10_000, 200_000));
    assert_eq!(a.daily_left(), Some(200_000));
}
