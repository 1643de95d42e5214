//! Scenarios on the client's side of the developer server: `wx.login` failing, and login
//! answers lost or late on the link.

use std::time::Duration;

use wxlogin::client::{CodeReuse, WxFailure};

use super::launch::outcome;
use super::{Scenario, Verdict, finish};
use crate::lab::link::LinkFault;
use crate::lab::stack::{Stack, StackOptions};

pub(super) fn scenarios() -> Vec<Scenario> {
    let default = StackOptions::default;
    vec![
        Scenario {
            name: "wx.login fails once",
            expect: "retried after backoff",
            options: default,
            body: |s| Box::pin(wx_login_fails_once(s)),
        },
        Scenario {
            name: "login answer lost, same code",
            expect: "coordinator replays session",
            options: default,
            body: |s| Box::pin(answer_lost_same_code(s)),
        },
        Scenario {
            name: "login answer lost, fresh code",
            expect: "second code, second session",
            options: default,
            body: |s| Box::pin(answer_lost_fresh_code(s)),
        },
        Scenario {
            name: "login answer too late",
            expect: "deadline, retry, stale answer",
            options: default,
            body: |s| Box::pin(answer_too_late(s)),
        },
    ]
}

async fn wx_login_fails_once(s: &Stack) -> Verdict {
    let client = s.spawn_client(s.client_config());
    client
        .wx()
        .fail_next_login(WxFailure::new("login:fail busy"));
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    let codes = s.fake().counts().codes_issued;
    Verdict::check(
        clean && result.is_ok() && report.wx_login_calls == 2 && codes == 1,
        format!(
            "{}; wx.login calls: {}, codes issued: {codes}",
            outcome(&result),
            report.wx_login_calls
        ),
    )
}

async fn answer_lost_same_code(s: &Stack) -> Verdict {
    s.link.queue("/login", LinkFault::LoseAnswer);
    let mut config = s.client_config();
    config.login.code_reuse = CodeReuse::WithinCodeLife;
    let client = s.spawn_client(config);
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    let counts = s.fake().counts();
    let stats = s.server.stats().snapshot();
    let held = match &result {
        Ok(session) => s
            .store()
            .snapshot()
            .await
            .iter()
            .any(|(t, _)| *t == session.token),
        Err(_) => false,
    };
    Verdict::check(
        clean
            && held
            && report.wx_login_calls == 1
            && stats.login_requests == 2
            && stats.sessions_created == 1
            && counts.code2session_calls == 1,
        format!(
            "{}; POSTs {}, code2Session calls {}, sessions created {}",
            outcome(&result),
            stats.login_requests,
            counts.code2session_calls,
            stats.sessions_created
        ),
    )
}

async fn answer_lost_fresh_code(s: &Stack) -> Verdict {
    s.link.queue("/login", LinkFault::LoseAnswer);
    let client = s.spawn_client(s.client_config());
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    let counts = s.fake().counts();
    let stats = s.server.stats().snapshot();
    Verdict::check(
        clean
            && result.is_ok()
            && report.wx_login_calls == 2
            && counts.max_calls_per_code == 1
            && stats.sessions_created == 2,
        format!(
            "{}; each of {} codes sent once; sessions created {} (the first is orphaned)",
            outcome(&result),
            counts.codes_issued,
            stats.sessions_created
        ),
    )
}

async fn answer_too_late(s: &Stack) -> Verdict {
    const DEADLINE: Duration = Duration::from_millis(400);
    s.link.queue("/login", LinkFault::Delay(DEADLINE * 3));
    let mut config = s.client_config();
    config.login.timeouts.request = time::Duration::milliseconds(400);
    let name = config.name.clone();
    let client = s.spawn_client(config);
    let result = client.handle().login().await;
    // The late answer arrives after the retry succeeded; wait for the machine to refuse it.
    let stale = s
        .trace
        .wait_for(|l| l.party == name && l.text.contains("stale"))
        .await;
    let (report, clean) = finish(client).await;
    Verdict::check(
        clean && result.is_ok() && report.stale_answers == 1,
        format!(
            "{}; then {}",
            outcome(&result),
            stale.text.trim_start_matches("<- ")
        ),
    )
}
