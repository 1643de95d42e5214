//! The multi-replica run's summary: the figures the exit status depends on first, the detail
//! after, the problems last.

use std::fmt;
use std::time::Duration;

use super::user::UserRun;
use super::{FleetPlan, Replica};
use crate::drive::client::DriverReport;
use crate::lab::server::StatsSnapshot;
use crate::lab::stack::Stack;
use crate::lab::trace::TraceLine;
use crate::lab::wechat::{Api, WeChatCounts};

/// What happened in the middle of the run.
#[derive(Clone, Debug, Default)]
pub struct Events {
    /// The replica killed, and the logins done when it was.
    pub killed: Option<(String, usize)>,
    /// The restart: logins done when Redis stopped, `503` answers while it was down, and
    /// how long it was; or why it could not start again.
    pub redis_restart: Option<Result<(usize, u64, Duration), String>>,
}

/// The summary of a multi-replica run.
#[derive(Clone, Debug)]
pub struct FleetReport {
    /// Clients, replicas and fault rates.
    pub plan: FleetPlan,
    /// Users that logged in.
    pub logged_in: usize,
    /// Requests refused `401` while their token lived, over every user.
    pub sessions_lost: u64,
    /// 40163 answers of WeChat (a code exchanged again).
    pub wechat_code_used: u64,
    /// `400 code_used` answers of the replicas.
    pub replica_code_used: u64,
    /// Login latencies of the users that logged in, sorted.
    pub latencies: Vec<Duration>,
    /// The kill and the restart.
    pub events: Events,
    /// What the fake WeChat counted.
    pub wechat: WeChatCounts,
    /// -1 answers injected, login answers lost on the link.
    pub injected: (u64, u64),
    /// Each replica's counters.
    pub replicas: Vec<(String, StatsSnapshot)>,
    /// The users summed: answered, retried, failed logins.
    pub users: (u64, u64, u64),
    /// The clients' drivers summed.
    pub drivers: DriverReport,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Everything that should not have happened; empty when the run is clean.
    pub problems: Vec<String>,
    /// The trace, when the plan kept it.
    pub trace: Vec<TraceLine>,
}

impl FleetReport {
    pub(super) fn judge(
        plan: &FleetPlan,
        elapsed: Duration,
        runs: Vec<UserRun>,
        drivers: DriverReport,
        events: Events,
        replicas: &[Replica],
        stack: &Stack,
    ) -> Self {
        let mut latencies: Vec<Duration> = runs.iter().filter_map(|r| r.login_latency).collect();
        latencies.sort();
        let replicas: Vec<(String, StatsSnapshot)> =
            replicas.iter().map(|r| (r.id.clone(), r.stats())).collect();
        let wechat = stack.fake().counts();
        let sum = |f: fn(&UserRun) -> u32| runs.iter().map(|r| u64::from(f(r))).sum::<u64>();
        let mut report = Self {
            plan: plan.clone(),
            logged_in: latencies.len(),
            sessions_lost: sum(|r| r.sessions_lost),
            wechat_code_used: wechat.code_used_answers,
            replica_code_used: replicas.iter().map(|(_, s)| s.code_used).sum(),
            latencies,
            events,
            injected: (
                stack.fake().faults().injected(Api::Code2Session),
                stack.link.injected(),
            ),
            users: (
                sum(|r| r.answered),
                sum(|r| r.retried),
                sum(|r| r.failed_logins),
            ),
            wechat,
            replicas,
            drivers,
            elapsed,
            problems: Vec::new(),
            trace: stack.trace.lines(),
        };
        report.find_problems(&runs);
        report
    }

    fn find_problems(&mut self, runs: &[UserRun]) {
        let mut problems = Vec::new();
        if self.sessions_lost > 0 {
            problems.push(format!("{} sessions lost", self.sessions_lost));
        }
        if self.wechat_code_used + self.replica_code_used > 0 {
            problems.push(format!(
                "40163 seen: {} from WeChat, {} code_used from the replicas",
                self.wechat_code_used, self.replica_code_used
            ));
        }
        if self.wechat.calls_after_use > 0 {
            problems.push(format!(
                "{} code2Session calls carried a code already exchanged",
                self.wechat.calls_after_use
            ));
        }
        if self.plan.replicas >= 2 && self.events.killed.is_none() {
            problems.push("no replica was killed: the run ended first".into());
        }
        match &self.events.redis_restart {
            None => problems.push("Redis was not restarted: the run ended first".into()),
            Some(Err(e)) => problems.push(format!("Redis did not start again: {e}")),
            Some(Ok(_)) => {}
        }
        problems.extend(runs.iter().flat_map(|r| r.problems.iter().cloned()));
        problems.extend(
            self.drivers
                .contract_errors
                .iter()
                .map(|e| format!("driver contract error: {e}")),
        );
        self.problems = problems;
    }

    /// The latency below which `per_cent` of the logins completed.
    pub fn percentile(&self, per_cent: usize) -> Duration {
        let n = self.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let rank = (n * per_cent).div_ceil(100).clamp(1, n);
        self.latencies[rank - 1]
    }
}

impl fmt::Display for FleetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (plan, w) = (&self.plan, &self.wechat);
        writeln!(
            f,
            "multi-replica run: {} clients, {} replicas on one redis-server, round-robin front; {}",
            plan.clients, plan.replicas, plan.faults
        )?;
        writeln!(
            f,
            "  logins          : {} of {} clients logged in",
            self.logged_in, plan.clients
        )?;
        writeln!(f, "  sessions lost   : {}", self.sessions_lost)?;
        writeln!(
            f,
            "  40163 answers   : {} (WeChat {}, replicas' code_used {})",
            self.wechat_code_used + self.replica_code_used,
            self.wechat_code_used,
            self.replica_code_used
        )?;
        writeln!(
            f,
            "  code2Session    : at most {} calls per code ({} codes, {} calls, {} exchanged); \
             {} calls after an exchange",
            w.max_calls_per_code,
            w.codes_issued,
            w.code2session_calls,
            w.exchanges,
            w.calls_after_use
        )?;
        writeln!(
            f,
            "  login latency   : p50 {} ms, p99 {} ms",
            self.percentile(50).as_millis(),
            self.percentile(99).as_millis()
        )?;
        self.fmt_detail(f)?;
        if self.problems.is_empty() {
            return writeln!(f, "  problems        : none");
        }
        for problem in &self.problems {
            writeln!(f, "  PROBLEM: {problem}")?;
        }
        Ok(())
    }
}

impl FleetReport {
    fn fmt_detail(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.events.killed {
            Some((id, at)) => writeln!(f, "  killed          : {id} after {at} logins")?,
            None => writeln!(f, "  killed          : none")?,
        }
        match &self.events.redis_restart {
            Some(Ok((at, answered, outage))) => writeln!(
                f,
                "  redis restarted : after {at} logins; down {} ms, {answered} answers 503 meanwhile",
                outage.as_millis()
            )?,
            Some(Err(e)) => writeln!(f, "  redis restarted : failed: {e}")?,
            None => writeln!(f, "  redis restarted : no")?,
        }
        for (id, s) in &self.replicas {
            writeln!(
                f,
                "  {id:<15} : {} POST /login ({} granted, {} refused), {} sessions created, {} answers 503",
                s.login_requests, s.granted, s.refused, s.sessions_created, s.unavailable
            )?;
        }
        let (answered, retried, failed_logins) = self.users;
        let d = &self.drivers;
        writeln!(
            f,
            "  clients         : {} wx.login calls, {} login requests, {failed_logins} failed logins asked again; \
             {answered} business answers, {retried} transient answers retried",
            d.wx_login_calls, d.requests_sent
        )?;
        writeln!(
            f,
            "  faults          : {} x -1 injected, {} login answers lost; run took {} ms",
            self.injected.0,
            self.injected.1,
            self.elapsed.as_millis()
        )
    }
}
