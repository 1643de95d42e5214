//! Scenarios where WeChat misbehaves behind the developer server.

use std::time::Duration;

use wxlogin::client::{LoginFailure, Session};
use wxlogin::wire::ErrorKind;

use super::launch::outcome;
use super::{Scenario, Verdict, finish};
use crate::drive::client::ClientError;
use crate::lab::stack::{Stack, StackOptions};
use crate::lab::wechat::{Api, Fault};

/// The developer server's code2Session timeout in the slow-WeChat scenario.
const SHORT_CALL_TIMEOUT: Duration = Duration::from_millis(400);

pub(super) fn scenarios() -> Vec<Scenario> {
    let default = StackOptions::default;
    vec![
        Scenario {
            name: "WeChat busy (-1) once",
            expect: "server retries, logged in",
            options: default,
            body: |s| Box::pin(busy_once(s)),
        },
        Scenario {
            name: "WeChat minute quota (45011)",
            expect: "429 rate_limited, errcode kept",
            options: default,
            body: |s| Box::pin(minute_quota(s)),
        },
        Scenario {
            name: "high-risk user (40226)",
            expect: "403 user_blocked, rid kept",
            options: default,
            body: |s| Box::pin(high_risk(s)),
        },
        Scenario {
            name: "WeChat answers slowly",
            expect: "server times out, retries",
            options: || StackOptions {
                wechat_call_timeout: SHORT_CALL_TIMEOUT,
                ..StackOptions::default()
            },
            body: |s| Box::pin(slow_wechat(s)),
        },
        Scenario {
            name: "WeChat drops the connection",
            expect: "server retries, logged in",
            options: default,
            body: |s| Box::pin(dropped_connection(s)),
        },
    ]
}

async fn busy_once(s: &Stack) -> Verdict {
    s.fake()
        .faults()
        .queue(Api::Code2Session, Fault::SystemBusy);
    let client = s.spawn_client(s.client_config());
    let result = client.handle().login().await;
    let (_, clean) = finish(client).await;
    let counts = s.fake().counts();
    Verdict::check(
        clean && result.is_ok() && counts.max_calls_per_code == 2 && counts.exchanges == 1,
        format!(
            "{}; the one code was sent {} times and exchanged {} time",
            outcome(&result),
            counts.max_calls_per_code,
            counts.exchanges
        ),
    )
}

/// Whether `result` is the server's error of `kind` relaying WeChat's `errcode`, with a rid.
fn relayed(result: &Result<Session, ClientError>, kind: ErrorKind, errcode: i64) -> bool {
    match result {
        Err(ClientError::Login(LoginFailure::Server {
            error: Some(body), ..
        })) => body.error == kind && body.errcode == Some(errcode) && body.rid.is_some(),
        _ => false,
    }
}

async fn minute_quota(s: &Stack) -> Verdict {
    s.fake()
        .faults()
        .queue(Api::Code2Session, Fault::MinuteQuota);
    let client = s.spawn_client(s.client_config());
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    Verdict::check(
        clean && relayed(&result, ErrorKind::RateLimited, 45011) && report.wx_login_calls == 1,
        outcome(&result),
    )
}

async fn high_risk(s: &Stack) -> Verdict {
    s.fake()
        .faults()
        .queue(Api::Code2Session, Fault::HighRiskUser);
    let client = s.spawn_client(s.client_config());
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    Verdict::check(
        clean && relayed(&result, ErrorKind::UserBlocked, 40226) && report.wx_login_calls == 1,
        outcome(&result),
    )
}

async fn slow_wechat(s: &Stack) -> Verdict {
    // The first call is held longer than the server waits; the server retries with the same
    // code, which WeChat has not consumed yet. The slow call, answered last, finds it used.
    s.fake()
        .faults()
        .queue(Api::Code2Session, Fault::Slow(SHORT_CALL_TIMEOUT * 4));
    let client = s.spawn_client(s.client_config());
    let result = client.handle().login().await;
    let (_, clean) = finish(client).await;
    // The slow call's answer (40163) reaches the service after its deadline: ignored.
    let late = s
        .trace
        .wait_for(|l| l.party == "wechat" && l.text.ends_with("errcode 40163"))
        .await;
    let counts = s.fake().counts();
    Verdict::check(
        clean && result.is_ok() && counts.exchanges == 1 && counts.code_used_answers == 1,
        format!(
            "{}; the slow call was answered after the retry ({}), too late to matter",
            outcome(&result),
            late.text
        ),
    )
}

async fn dropped_connection(s: &Stack) -> Verdict {
    s.fake()
        .faults()
        .queue(Api::Code2Session, Fault::DropConnection);
    let client = s.spawn_client(s.client_config());
    let result = client.handle().login().await;
    let (_, clean) = finish(client).await;
    let counts = s.fake().counts();
    Verdict::check(
        clean && result.is_ok() && counts.code2session_calls == 2 && counts.exchanges == 1,
        format!(
            "{}; code2Session calls: {}, exchanges: {}",
            outcome(&result),
            counts.code2session_calls,
            counts.exchanges
        ),
    )
}
