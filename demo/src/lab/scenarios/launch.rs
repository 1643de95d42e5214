//! Launch scenarios: what a mini program meets when it starts and while it runs.

use tokio::task::JoinSet;
use wxlogin::client::{LoginFailure, Session};

use super::{Scenario, Verdict, finish};
use crate::drive::client::{ClientConfig, ClientError, FileStorage};
use crate::drive::log::fingerprint;
use crate::lab::stack::{Stack, StackOptions};
use crate::lab::wechat::{Api, Fault};

const KEY: &str = "wxlogin.session";

pub(super) fn scenarios() -> Vec<Scenario> {
    let default = StackOptions::default;
    vec![
        Scenario {
            name: "cold start",
            expect: "logged in, record stored",
            options: default,
            body: |s| Box::pin(cold_start(s)),
        },
        Scenario {
            name: "warm start",
            expect: "stored token confirmed",
            options: default,
            body: |s| Box::pin(warm_start(s)),
        },
        Scenario {
            name: "WeChat session expired",
            expect: "new login, no server check",
            options: default,
            body: |s| Box::pin(wechat_session_expired(s)),
        },
        Scenario {
            name: "server session gone (401)",
            expect: "record removed, new login",
            options: default,
            body: |s| Box::pin(server_session_gone(s)),
        },
        Scenario {
            name: "corrupt storage record",
            expect: "record removed, new login",
            options: default,
            body: |s| Box::pin(corrupt_record(s)),
        },
        Scenario {
            name: "1,000 callers at once",
            expect: "one wx.login, one POST",
            options: default,
            body: |s| Box::pin(thousand_callers(s)),
        },
        Scenario {
            name: "business call rejected twice",
            expect: "one re-login, then reported",
            options: default,
            body: |s| Box::pin(rejected_twice(s)),
        },
        Scenario {
            name: "logout during wx.login",
            expect: "LoggedOut, record removed",
            options: default,
            body: |s| Box::pin(logout_in_flight(s)),
        },
    ]
}

async fn cold_start(s: &Stack) -> Verdict {
    let config = s.client_config();
    let storage = FileStorage::new(&config.storage);
    let client = s.spawn_client(config);
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    let stored = storage.read(KEY).await.ok().flatten().is_some();
    match result {
        Ok(session) => Verdict::check(
            clean && stored && report.wx_login_calls == 1,
            format!(
                "logged in with {}; record stored: {stored}; wx.login calls: {}",
                fingerprint(&session.token),
                report.wx_login_calls
            ),
        ),
        Err(e) => Verdict::check(false, format!("failed: {e}")),
    }
}

/// Logs in with a fresh client and stops it: the storage file then holds a session.
async fn first_launch(s: &Stack) -> Result<(ClientConfig, Session), String> {
    let config = s.client_config();
    let client = s.spawn_client(config.clone());
    let session = client.handle().login().await.map_err(|e| e.to_string())?;
    let (_, clean) = finish(client).await;
    if !clean {
        return Err("the first launch broke the contract".into());
    }
    Ok((config, session))
}

/// The same phone started again: same storage and user, a fresh machine.
fn relaunch(mut config: ClientConfig) -> ClientConfig {
    config.name = config.name.replace("client", "relaunch");
    config
}

async fn warm_start(s: &Stack) -> Verdict {
    let (config, first) = match first_launch(s).await {
        Ok(launched) => launched,
        Err(e) => return Verdict::check(false, e),
    };
    let checks_before = s.server.stats().snapshot().session_checks;
    let client = s.spawn_client(relaunch(config));
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    let checks = s.server.stats().snapshot().session_checks - checks_before;
    match result {
        Ok(session) => Verdict::check(
            clean && session.token == first.token && report.wx_login_calls == 0 && checks == 1,
            format!(
                "relaunch kept {}; wx.login calls: {}, server checks: {checks}",
                fingerprint(&session.token),
                report.wx_login_calls
            ),
        ),
        Err(e) => Verdict::check(false, format!("failed: {e}")),
    }
}

async fn wechat_session_expired(s: &Stack) -> Verdict {
    let (config, first) = match first_launch(s).await {
        Ok(launched) => launched,
        Err(e) => return Verdict::check(false, e),
    };
    let checks_before = s.server.stats().snapshot().session_checks;
    let client = s.spawn_client(relaunch(config));
    client.wx().expire_wechat_session();
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    let checks = s.server.stats().snapshot().session_checks - checks_before;
    match result {
        Ok(session) => Verdict::check(
            clean && session.token != first.token && report.wx_login_calls == 1 && checks == 0,
            format!(
                "checkSession failed: new session {} (was {}); server checks skipped: {}",
                fingerprint(&session.token),
                fingerprint(&first.token),
                checks == 0
            ),
        ),
        Err(e) => Verdict::check(false, format!("failed: {e}")),
    }
}

async fn server_session_gone(s: &Stack) -> Verdict {
    let (config, first) = match first_launch(s).await {
        Ok(launched) => launched,
        Err(e) => return Verdict::check(false, e),
    };
    // As after a restart of a server without a shared store.
    s.store().clear().await;
    let client = s.spawn_client(relaunch(config));
    let result = client.handle().login().await;
    let (report, clean) = finish(client).await;
    match result {
        Ok(session) => Verdict::check(
            clean && session.token != first.token && report.wx_login_calls == 1,
            format!(
                "the check got 401; logged in again with {} after {} requests",
                fingerprint(&session.token),
                report.requests_sent
            ),
        ),
        Err(e) => Verdict::check(false, format!("failed: {e}")),
    }
}

async fn corrupt_record(s: &Stack) -> Verdict {
    let config = s.client_config();
    let storage = FileStorage::new(&config.storage);
    if let Err(e) = storage.write(KEY, "{\"v\":1,\"token\":").await {
        return Verdict::check(false, format!("could not plant the record: {e}"));
    }
    let client = s.spawn_client(config);
    let result = client.handle().login().await;
    let (_, clean) = finish(client).await;
    let removed = s
        .trace
        .lines()
        .iter()
        .any(|l| l.text.starts_with("-> RemoveStorage"));
    Verdict::check(
        clean && removed && result.is_ok(),
        format!("record removed: {removed}; then {}", outcome(&result)),
    )
}

async fn thousand_callers(s: &Stack) -> Verdict {
    let client = s.spawn_client(s.client_config());
    let mut callers = JoinSet::new();
    for _ in 0..1_000 {
        let handle = client.handle().clone();
        callers.spawn(async move { handle.login().await });
    }
    let mut tokens = Vec::new();
    while let Some(joined) = callers.join_next().await {
        match joined {
            Ok(Ok(session)) => tokens.push(session.token),
            Ok(Err(e)) => return Verdict::check(false, format!("a caller failed: {e}")),
            Err(e) => return Verdict::check(false, format!("a caller panicked: {e}")),
        }
    }
    let (report, clean) = finish(client).await;
    let same = tokens.windows(2).all(|w| w[0] == w[1]);
    Verdict::check(
        clean
            && tokens.len() == 1_000
            && same
            && report.wx_login_calls == 1
            && report.requests_sent == 1,
        format!(
            "{} callers got the same session: {same}; wx.login calls {}, requests {}",
            tokens.len(),
            report.wx_login_calls,
            report.requests_sent
        ),
    )
}

async fn rejected_twice(s: &Stack) -> Verdict {
    let client = s.spawn_client(s.client_config());
    let handle = client.handle().clone();
    let first = handle.login().await;
    let second = match &first {
        Ok(session) => handle.session_rejected(session.token.clone()).await,
        Err(e) => Err(e.clone()),
    };
    let third = match &second {
        Ok(session) => handle.session_rejected(session.token.clone()).await,
        Err(e) => Err(e.clone()),
    };
    let (report, clean) = finish(client).await;
    let relogged = matches!((&first, &second), (Ok(a), Ok(b)) if a.token != b.token);
    let reported = third == Err(ClientError::Login(LoginFailure::RejectedAfterRelogin));
    Verdict::check(
        clean && relogged && reported && report.wx_login_calls == 2,
        format!(
            "first 401: new session {}; second 401: {}",
            relogged,
            outcome(&third)
        ),
    )
}

async fn logout_in_flight(s: &Stack) -> Verdict {
    // wx.login answers slowly, so the logout arrives while it is in flight.
    s.fake().faults().queue(
        Api::WxLogin,
        Fault::Slow(std::time::Duration::from_millis(500)),
    );
    let config = s.client_config();
    let name = config.name.clone();
    let storage = FileStorage::new(&config.storage);
    let client = s.spawn_client(config);
    let handle = client.handle().clone();
    let login = tokio::spawn(async move { handle.login().await });
    s.trace
        .wait_for(|l| l.party == name && l.text.starts_with("-> WxLogin"))
        .await;
    client.handle().logout();
    let result = login.await.unwrap_or(Err(ClientError::DriverStopped));
    let (_, clean) = finish(client).await;
    let record = storage.read(KEY).await.ok().flatten();
    Verdict::check(
        clean && record.is_none() && result == Err(ClientError::Login(LoginFailure::LoggedOut)),
        format!(
            "the waiter got: {}; record present: {}",
            outcome(&result),
            record.is_some()
        ),
    )
}

/// A result in a few words, the token as a fingerprint.
pub(super) fn outcome(result: &Result<Session, ClientError>) -> String {
    match result {
        Ok(session) => format!("logged in with {}", fingerprint(&session.token)),
        Err(e) => format!("failed: {e}"),
    }
}
