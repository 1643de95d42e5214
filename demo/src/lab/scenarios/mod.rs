//! The client scenarios of the summary table, each run over real HTTP against a fresh
//! [`Stack`], with the expected ending checked and the trace scanned for secrets.
//!
//! | file | scenarios |
//! |---|---|
//! | `launch.rs` | cold and warm starts, expiries, a corrupt record, 1,000 callers, rejection, logout |
//! | `wechat.rs` | WeChat answering -1, 45011, 40226, slowly, or dropping the connection |
//! | `link.rs` | `wx.login` failing, login answers lost or late between client and server |

mod launch;
mod link;
mod wechat;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use crate::drive::client::{Client, DriverReport};
use crate::lab::stack::{Stack, StackOptions};
use crate::lab::trace::TraceLine;

/// How long one scenario may run before it counts as hung.
pub const SCENARIO_LIMIT: Duration = Duration::from_secs(30);

/// What a scenario found: whether it ended as expected, and what it saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// It ended as expected.
    pub ok: bool,
    /// What happened, in a sentence.
    pub got: String,
}

impl Verdict {
    /// A verdict from a check and what was seen.
    pub fn check(ok: bool, got: impl Into<String>) -> Self {
        Self {
            ok,
            got: got.into(),
        }
    }
}

/// A scenario's body: runs against the stack and judges the ending.
pub type Body = for<'a> fn(&'a Stack) -> Pin<Box<dyn Future<Output = Verdict> + Send + 'a>>;

/// One row of the summary table.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// Its name.
    pub name: &'static str,
    /// The ending it expects, in a few words.
    pub expect: &'static str,
    /// The stack it needs.
    pub options: fn() -> StackOptions,
    /// What it does.
    pub body: Body,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// How one scenario ended.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: &'static str,
    /// The ending it expected.
    pub expect: &'static str,
    /// Its verdict (failed if it hung or a secret leaked).
    pub verdict: Verdict,
    /// Codes the fake `wx.login` handed out.
    pub wx_logins: u64,
    /// code2Session calls the fake WeChat answered.
    pub code2session_calls: u64,
    /// `POST /login` requests the developer server received.
    pub login_posts: u64,
    /// `GET /session` requests the developer server received.
    pub session_checks: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// The whole trace.
    pub trace: Vec<TraceLine>,
}

/// Every scenario, in the order of the table.
pub fn all() -> Vec<Scenario> {
    let mut all = launch::scenarios();
    all.extend(wechat::scenarios());
    all.extend(link::scenarios());
    all
}

/// Runs one scenario on a fresh stack, bounded by [`SCENARIO_LIMIT`].
pub async fn run(scenario: &Scenario) -> ScenarioResult {
    let started = Instant::now();
    let stack = match Stack::start((scenario.options)()).await {
        Ok(stack) => stack,
        Err(e) => {
            return ScenarioResult {
                name: scenario.name,
                expect: scenario.expect,
                verdict: Verdict::check(false, format!("the stack did not start: {e}")),
                wx_logins: 0,
                code2session_calls: 0,
                login_posts: 0,
                session_checks: 0,
                elapsed: started.elapsed(),
                trace: Vec::new(),
            };
        }
    };
    let mut verdict = tokio::time::timeout(SCENARIO_LIMIT, (scenario.body)(&stack))
        .await
        .unwrap_or_else(|_| Verdict::check(false, "hung: the scenario did not end in time"));
    let trace = stack.trace.lines();
    if let Some(leak) = find_leak(&stack, &trace) {
        verdict = Verdict::check(false, format!("a secret leaked into the trace: {leak}"));
    }
    let counts = stack.fake().counts();
    let stats = stack.server.stats().snapshot();
    ScenarioResult {
        name: scenario.name,
        expect: scenario.expect,
        verdict,
        wx_logins: counts.codes_issued,
        code2session_calls: counts.code2session_calls,
        login_posts: stats.login_requests,
        session_checks: stats.session_checks,
        elapsed: started.elapsed(),
        trace,
    }
}

/// The kind of the first secret found in the trace: the app secret, a session_key, a code or
/// a session token. The values themselves are never printed.
pub fn find_leak(stack: &Stack, trace: &[TraceLine]) -> Option<&'static str> {
    let (keys, codes) = stack.fake().with_world(|w| (w.session_keys(), w.codes()));
    let tokens: Vec<String> = stack
        .store()
        .issued()
        .iter()
        .map(|t| t.expose_secret().to_owned())
        .collect();
    let secrets = std::iter::once(("app secret", stack.app_secret.clone()))
        .chain(keys.into_iter().map(|k| ("session_key", k)))
        .chain(codes.into_iter().map(|c| ("login code", c)))
        .chain(tokens.into_iter().map(|t| ("session token", t)));
    for (kind, secret) in secrets {
        if trace.iter().any(|l| l.text.contains(&secret)) {
            return Some(kind);
        }
    }
    None
}

/// Stops `client` and says whether its driver kept the machine's contract.
pub async fn finish(client: Client) -> (DriverReport, bool) {
    let report = client.shutdown().await;
    let clean = report.contract_errors.is_empty();
    (report, clean)
}

/// The summary table, one row per result.
pub fn table(results: &[ScenarioResult]) -> String {
    let name_width = results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let expect_width = results
        .iter()
        .map(|r| r.expect.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = format!(
        "{:<name_width$}  {:<expect_width$}  {:>8}  {:>12}  {:>6}  {:>8}  {:>6}  result\n",
        "scenario", "expected", "wx.login", "code2Session", "/login", "/session", "ms"
    );
    out.push_str(&format!("{}\n", "-".repeat(name_width + expect_width + 64)));
    for r in results {
        out.push_str(&format!(
            "{:<name_width$}  {:<expect_width$}  {:>8}  {:>12}  {:>6}  {:>8}  {:>6}  {}\n",
            r.name,
            r.expect,
            r.wx_logins,
            r.code2session_calls,
            r.login_posts,
            r.session_checks,
            r.elapsed.as_millis(),
            if r.verdict.ok { "ok" } else { "UNEXPECTED" },
        ));
    }
    let passed = results.iter().filter(|r| r.verdict.ok).count();
    out.push_str(&format!(
        "{passed} of {} scenarios ended as expected\n",
        results.len()
    ));
    out
}
