//! One simulated user of the multi-replica run, as the mini program would behave: log in
//! (the app asks again after a failure, as on the user's next tap), then business requests
//! with the session token, each retried with a backoff while the answer is transient (a
//! connection to a killed replica, `503` while Redis restarts), and a last session check.
//!
//! **A session is lost** when a request carrying a token the server granted is refused
//! (`401`) while that token is within its life (`expires_at` of the grant). That is what a
//! user sees as "logged out for no reason"; the app then asks the machine for a new session
//! (`session_rejected`) and replays the request once.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use wxlogin::client::Session;
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::wire::TokenHeader;

use super::front::FRONT;
use crate::drive::client::Client;
use crate::drive::http_client::HttpClient;
use crate::lab::server::BUSINESS_PATH;

/// What each user does.
#[derive(Clone, Copy, Debug)]
pub struct UserPlan {
    /// `GET /me` requests after the login (then one `GET /session`).
    pub business_requests: u32,
    /// Pause between two business requests, so that a user's requests span the run.
    pub between_requests: Duration,
    /// After this long without a login or an answer, the user gives up (a problem).
    pub patience: Duration,
}

/// What one user saw.
#[derive(Clone, Debug, Default)]
pub struct UserRun {
    /// From the first `login()` to the session, retries included; `None` if it never came.
    pub login_latency: Option<Duration>,
    /// Requests refused with `401` while their token was within its life.
    pub sessions_lost: u32,
    /// Business requests and session checks answered `200`.
    pub answered: u32,
    /// Transient answers (transport failures, `5xx`) retried.
    pub retried: u32,
    /// `login()` calls that failed before one succeeded.
    pub failed_logins: u32,
    /// What went wrong for good: an answer no rule expects, or patience run out.
    pub problems: Vec<String>,
}

/// Runs one user with its client; counts a login in `logins` when it has a session.
pub async fn live(
    client: &Client,
    http: &HttpClient,
    plan: UserPlan,
    logins: &watch::Sender<usize>,
) -> UserRun {
    let mut run = UserRun::default();
    let started = Instant::now();
    let Some(mut session) = log_in(client, &plan, &mut run).await else {
        return run;
    };
    run.login_latency = Some(started.elapsed());
    logins.send_modify(|n| *n += 1);
    let paths = std::iter::repeat_n(BUSINESS_PATH, plan.business_requests as usize);
    for path in paths.chain(std::iter::once("/session")) {
        match request(http, path, &session, &plan, &mut run).await {
            Some(answer) if answer.status == 401 => {
                if session.expires_at > time::OffsetDateTime::now_utc() {
                    run.sessions_lost += 1;
                }
                match client
                    .handle()
                    .session_rejected(session.token.clone())
                    .await
                {
                    Ok(fresh) => session = fresh,
                    Err(e) => {
                        run.problems.push(format!("no session after a 401: {e}"));
                        return run;
                    }
                }
            }
            Some(answer) if answer.status == 200 => run.answered += 1,
            Some(answer) => run
                .problems
                .push(format!("{path} answered {}", answer.status)),
            None => return run,
        }
        tokio::time::sleep(plan.between_requests).await;
    }
    run
}

async fn log_in(client: &Client, plan: &UserPlan, run: &mut UserRun) -> Option<Session> {
    let give_up = Instant::now() + plan.patience;
    loop {
        match client.handle().login().await {
            Ok(session) => return Some(session),
            Err(_) if Instant::now() < give_up => {
                run.failed_logins += 1;
                // The machine has retried already; the app asks again on the next tap.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => {
                run.problems.push(format!("never logged in: {e}"));
                return None;
            }
        }
    }
}

/// One request with `session`'s token, retried while the answer is transient. `None` when
/// patience ran out (recorded as a problem).
async fn request(
    http: &HttpClient,
    path: &str,
    session: &Session,
    plan: &UserPlan,
    run: &mut UserRun,
) -> Option<HttpResponse> {
    let mut request = HttpRequest::get(format!("{FRONT}{path}"));
    request
        .headers
        .push(TokenHeader::default().encode(&session.token));
    let give_up = Instant::now() + plan.patience;
    let mut pause = Duration::from_millis(50);
    loop {
        let answer = http.send(&request, Duration::from_secs(5)).await;
        if !is_transient(&answer) {
            return answer.ok();
        }
        run.retried += 1;
        if Instant::now() + pause >= give_up {
            run.problems
                .push(format!("{path}: no answer within {:?}", plan.patience));
            return None;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// A transport failure or a `5xx`: worth the same request again later.
fn is_transient(answer: &Result<HttpResponse, TransportFailure>) -> bool {
    match answer {
        Ok(response) => response.status >= 500,
        Err(_) => true,
    }
}
