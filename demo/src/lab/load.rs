//! The load run: many clients log in at once over loopback while WeChat answers -1 to some
//! code2Session calls and the link loses some login answers. Clients resend the same code after
//! a lost answer (`CodeReuse::WithinCodeLife`), and the server's `LoginCoordinator` answers the
//! resend with the session it already made.
//!
//! Checked afterwards: every client is logged in or has an expected (transient) failure; no
//! code reached WeChat again after it was used; every session a client holds is confirmed by
//! `GET /session`, belongs to that client's user, and is held by no other client.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use wxlogin::client::{CodeReuse, LoginFailure, Session, Step};
use wxlogin::http::HttpRequest;
use wxlogin::secret::SessionToken;
use wxlogin::wire::TokenHeader;

use crate::drive::client::{ClientError, DriverReport};
use crate::lab::server::StatsSnapshot;
use crate::lab::stack::{FaultRates, Stack, StackOptions};
use crate::lab::trace::TraceLine;
use crate::lab::wechat::{Api, WeChatCounts, openid_of};

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan {
    /// Clients logging in at once (each its own machine, storage file and user).
    pub clients: usize,
    /// The faults drawn at a rate.
    pub faults: FaultRates,
    /// Keep the trace lines (off by default: thousands of lines).
    pub keep_trace: bool,
}

impl Default for LoadPlan {
    /// The run: 1,000 clients, 10% of WeChat calls -1, 5% of login answers lost.
    fn default() -> Self {
        Self {
            clients: 1_000,
            faults: FaultRates::default(),
            keep_trace: false,
        }
    }
}

/// What the load run saw.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// The plan it ran.
    pub plan: LoadPlan,
    /// Clients that ended logged in.
    pub logged_in: usize,
    /// Clients that ended with an expected transient failure, with the failure.
    pub expected_failures: Vec<String>,
    /// From the first login request to the last completion.
    pub elapsed: Duration,
    /// -1 answers injected.
    pub injected_busy: u64,
    /// Login answers lost on the link.
    pub injected_lost: u64,
    /// What the fake WeChat counted.
    pub wechat: WeChatCounts,
    /// What the developer server counted.
    pub server: StatsSnapshot,
    /// The clients' drivers, summed.
    pub drivers: DriverReport,
    /// Sessions confirmed by `GET /session` with the client's token.
    pub confirmed: usize,
    /// Everything that should not have happened; empty when the run is clean.
    pub problems: Vec<String>,
    /// The trace, when the plan kept it.
    pub trace: Vec<TraceLine>,
}

impl LoadReport {
    /// Completed logins per second of wall time.
    pub fn logins_per_second(&self) -> f64 {
        self.logged_in as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Runs `plan` on a fresh stack (its trace quiet unless the plan keeps it).
pub async fn run(plan: &LoadPlan) -> io::Result<LoadReport> {
    let stack = Stack::start(StackOptions {
        keep_trace: plan.keep_trace,
        ..StackOptions::default()
    })
    .await?;
    stack.inject(plan.faults);
    let faults = stack.fake().faults();

    let mut clients = Vec::with_capacity(plan.clients);
    for _ in 0..plan.clients {
        let mut config = stack.client_config();
        config.login.code_reuse = CodeReuse::WithinCodeLife;
        clients.push((config.user.clone(), stack.spawn_client(config)));
    }

    let started = Instant::now();
    let mut logins = JoinSet::new();
    for (index, (_, client)) in clients.iter().enumerate() {
        let handle = client.handle().clone();
        logins.spawn(async move { (index, handle.login().await) });
    }
    let mut results: Vec<Option<Result<Session, ClientError>>> = vec![None; plan.clients];
    while let Some(joined) = logins.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    let elapsed = started.elapsed();

    let mut drivers = DriverReport::default();
    let mut users = Vec::with_capacity(plan.clients);
    for (user, client) in clients {
        let report = client.shutdown().await;
        drivers.wx_login_calls += report.wx_login_calls;
        drivers.requests_sent += report.requests_sent;
        drivers.stale_answers += report.stale_answers;
        drivers.contract_errors.extend(report.contract_errors);
        users.push(user);
    }

    let mut report = LoadReport {
        plan: plan.clone(),
        logged_in: 0,
        expected_failures: Vec::new(),
        elapsed,
        injected_busy: faults.injected(Api::Code2Session),
        injected_lost: stack.link.injected(),
        wechat: stack.fake().counts(),
        server: stack.server.stats().snapshot(),
        drivers,
        confirmed: 0,
        problems: Vec::new(),
        trace: Vec::new(),
    };
    let held = judge_results(&mut report, &users, results);
    check_sessions(&stack, &mut report, &held).await;
    check_wechat(&mut report);
    report.trace = stack.trace.lines();
    Ok(report)
}

/// Sorts the clients' endings; returns (user, token) of every client logged in.
fn judge_results(
    report: &mut LoadReport,
    users: &[String],
    results: Vec<Option<Result<Session, ClientError>>>,
) -> Vec<(String, SessionToken)> {
    let mut held = Vec::new();
    for (user, result) in users.iter().zip(results) {
        match result {
            Some(Ok(session)) => held.push((user.clone(), session.token)),
            Some(Err(ClientError::Login(failure))) if is_expected(&failure) => {
                report.expected_failures.push(failure.to_string());
            }
            Some(Err(e)) => report
                .problems
                .push(format!("{user} failed unexpectedly: {e}")),
            None => report.problems.push(format!("{user} never completed")),
        }
    }
    report.logged_in = held.len();
    for error in &report.drivers.contract_errors {
        report
            .problems
            .push(format!("driver contract error: {error}"));
    }
    held
}

/// The failures a client may end with under injected faults: its retries of the login
/// request ran out, or WeChat stayed busy through the server's retries.
fn is_expected(failure: &LoginFailure) -> bool {
    match failure {
        LoginFailure::Transport { step, .. } | LoginFailure::Timeout { step, .. } => {
            *step == Step::ServerLogin
        }
        LoginFailure::Server { step, status, .. } => *step == Step::ServerLogin && *status == 503,
        _ => false,
    }
}

/// No session lost or shared: tokens distinct, each stored for its own user's openid, each
/// confirmed over HTTP; and every exchange with WeChat made exactly one session.
async fn check_sessions(stack: &Stack, report: &mut LoadReport, held: &[(String, SessionToken)]) {
    let distinct: HashSet<&str> = held.iter().map(|(_, t)| t.expose_secret()).collect();
    if distinct.len() != held.len() {
        report.problems.push(format!(
            "{} clients share a session",
            held.len() - distinct.len()
        ));
    }
    let stored: HashMap<SessionToken, String> = stack
        .store()
        .snapshot()
        .await
        .into_iter()
        .map(|(token, session)| (token, session.openid))
        .collect();
    for (user, token) in held {
        match stored.get(token) {
            Some(openid) if *openid == openid_of(user) => {}
            Some(_) => report
                .problems
                .push(format!("{user} holds another user's session")),
            None => report
                .problems
                .push(format!("{user}'s session is not stored")),
        }
    }
    if report.server.sessions_created != report.wechat.exchanges {
        report.problems.push(format!(
            "{} exchanges made {} sessions",
            report.wechat.exchanges, report.server.sessions_created
        ));
    }
    report.confirmed = confirm_over_http(stack, held).await;
    if report.confirmed != held.len() {
        report.problems.push(format!(
            "only {} of {} sessions confirmed by GET /session",
            report.confirmed,
            held.len()
        ));
    }
}

async fn confirm_over_http(stack: &Stack, held: &[(String, SessionToken)]) -> usize {
    let url = format!("{}/session", stack.server.base_url());
    let header = TokenHeader::default();
    let mut checks = JoinSet::new();
    for (_, token) in held {
        let mut request = HttpRequest::get(url.clone());
        request.headers.push(header.encode(token));
        let http = stack.http.clone();
        checks.spawn(async move { http.send(&request, Duration::from_secs(10)).await });
    }
    let mut confirmed = 0;
    while let Some(joined) = checks.join_next().await {
        if matches!(joined, Ok(Ok(response)) if response.status == 200) {
            confirmed += 1;
        }
    }
    confirmed
}

fn check_wechat(report: &mut LoadReport) {
    let counts = &report.wechat;
    if counts.calls_after_use > 0 || counts.code_used_answers > 0 {
        report.problems.push(format!(
            "codes reached WeChat after use {} times (40163 answers: {})",
            counts.calls_after_use, counts.code_used_answers
        ));
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plan = &self.plan;
        let (w, s, d) = (&self.wechat, &self.server, &self.drivers);
        writeln!(f, "load run: {} clients; {}", plan.clients, plan.faults)?;
        writeln!(
            f,
            "  result : {} logged in, {} expected failures, in {} ms = {:.0} logins/s",
            self.logged_in,
            self.expected_failures.len(),
            self.elapsed.as_millis(),
            self.logins_per_second()
        )?;
        writeln!(
            f,
            "  faults : {} x -1 injected, {} login answers lost",
            self.injected_busy, self.injected_lost
        )?;
        writeln!(
            f,
            "  clients: {} wx.login calls, {} requests, {} stale answers",
            d.wx_login_calls, d.requests_sent, d.stale_answers
        )?;
        writeln!(
            f,
            "  server : {} POST /login, {} granted, {} refused, {} sessions created",
            s.login_requests, s.granted, s.refused, s.sessions_created
        )?;
        writeln!(
            f,
            "  wechat : {} codes issued, {} code2Session calls, {} exchanges, at most {} calls per code, {} calls after use, {} x 40163",
            w.codes_issued,
            w.code2session_calls,
            w.exchanges,
            w.max_calls_per_code,
            w.calls_after_use,
            w.code_used_answers
        )?;
        writeln!(
            f,
            "  checks : {} of {} sessions confirmed by GET /session; tokens distinct and owned",
            self.confirmed, self.logged_in
        )?;
        for failure in &self.expected_failures {
            writeln!(f, "  expected failure: {failure}")?;
        }
        if self.problems.is_empty() {
            writeln!(f, "  problems: none")
        } else {
            for problem in &self.problems {
                writeln!(f, "  PROBLEM: {problem}")?;
            }
            Ok(())
        }
    }
}
