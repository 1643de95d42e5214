//! [`CodeJoin`]: one code2Session call per code across every replica sharing a Redis.
//!
//! A client that retries a login on another replica (its first answer was lost) brings the
//! same code; WeChat accepts a code once, so without a join the second replica gets 40163
//! and the user a failed login. The coordinator joins duplicates within one process; this
//! joins them across processes:
//!
//! 1. **Claim** the code: `SET <prefix>code:claim:<hash> <replica> NX PX <code life>`; when it
//!    is taken already, a `GET` tells whether it is this replica's (its own retry) or
//!    another's. The hash is the SHA-256 of the code2Session request, so neither the code nor
//!    the secret is in Redis. The claim lives as long as the code can (5 minutes from its
//!    first sight in the cluster).
//! 2. The **winner** calls WeChat. An answer that settles the code (a session, or a refusal
//!    retrying cannot fix) is **published**, sealed with [`SealKeys`] (it carries the
//!    session key), under `<prefix>code:answer:<hash>` until (at most) its claim ends. A
//!    transient failure releases the claim instead (compare-and-delete), so that the next
//!    try, on any replica, may call.
//! 3. The **others** poll (bounded: every 25 ms, until the HTTP client's limit for the call)
//!    for the published answer, and take the claim if it is released. They answer from the
//!    published answer as if WeChat had given it to them (each creates its own session).
//!    A winner that dies leaves a claim that no one answers: the others time out, their
//!    machines retry within the code's life and then answer `upstream_unavailable`. Never a
//!    hang.
//!
//! Redis down: the code is **not** sent. The call fails as a transport failure (transient: the
//! coordinator retries within the code's life, then answers `503`), and the client's retry
//! finds Redis back. Exchanging it alone would spend the code while no replica can learn its
//! answer: the client's retry on another replica would get 40163 (and with a
//! [`RedisStore`](crate::RedisStore) no session could be stored anyway).

use std::time::Duration;

use redis::{AsyncCommands, Script};
use tracing::{debug, warn};
use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};
use wxlogin::server::code2session::WeChatSession;
use wxlogin::server::wechat_api;

use crate::redact::{digest, hex};
use crate::redis_conn::Redis;
use crate::store::seal::SealKeys;
use crate::wechat_http::WeChatHttp;

/// The longest a code can be used: WeChat's five minutes.
const CODE_LIFE_MS: u64 = 5 * 60 * 1000;

/// How much earlier than its claim a fresh claim's published answer ends. The answer's life is
/// counted from an instant taken before the claim was sent, but Redis starts it only when the
/// answer's `SET` arrives: when that `SET` is slower on its way than the claim was, an exact
/// count outlives the claim (by 1 ms in one CI run). The code is dead by the time its claim
/// ends, so nothing needs the answer in that last second.
const ANSWER_MARGIN_MS: u64 = 1000;

/// Publish the answer for the claim's remaining life, in one round trip (for a claim this
/// replica did not just take; a fresh claim's remaining life is known without asking).
const PUBLISH: &str = r"
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then ttl = 1000 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
return 1";

/// Delete the claim only if it is ours.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0";

/// Who holds a code's claim after trying to take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Claimed {
    /// This call took it, at this instant (or later: the instant is taken before the command).
    Now(tokio::time::Instant),
    /// This replica held it already (its own retry).
    Already,
    /// Another replica holds it.
    ByAnother,
}

/// Joins duplicate codes across replicas through Redis; give one to
/// [`LoginServiceBuilder::code_join`](crate::LoginServiceBuilder::code_join).
#[derive(Clone, Debug)]
pub struct CodeJoin {
    redis: Redis,
    keys: SealKeys,
    replica: String,
    poll: Duration,
}

impl CodeJoin {
    /// A join through `redis`, answers sealed with `keys` (every replica needs the same keys),
    /// this replica named `replica` (unique among the replicas: a host name and process id).
    pub fn new(redis: Redis, keys: SealKeys, replica: impl Into<String>) -> Self {
        Self {
            redis,
            keys,
            replica: replica.into(),
            poll: Duration::from_millis(25),
        }
    }

    /// Exchanges the code of `request` once across the replicas; gives up after `limit`.
    pub(crate) async fn exchange(
        &self,
        http: &WeChatHttp,
        request: &HttpRequest,
        limit: Duration,
    ) -> Result<HttpResponse, TransportFailure> {
        let mut fingerprint = request.url.as_bytes().to_vec();
        fingerprint.extend_from_slice(&request.body);
        let hash = hex(&digest(&String::from_utf8_lossy(&fingerprint)));
        let claim = self.redis.key(&format!("code:claim:{hash}"));
        let answer = self.redis.key(&format!("code:answer:{hash}"));
        let give_up = tokio::time::Instant::now() + limit;
        loop {
            // Claim first: the first replica to see a code needs one round trip to start.
            let claimed = match self.claim(&claim).await {
                Ok(claimed) => claimed,
                Err(error) => return Err(redis_down(&error)),
            };
            if let Claimed::Now(at) = claimed {
                return self
                    .win(http, request, limit, &claim, &answer, Some(at))
                    .await;
            }
            // Ours already (this replica's retry) or another's: an answer may be published.
            match self.published(&answer).await {
                Ok(Some(response)) => return Ok(response),
                Ok(None) if claimed == Claimed::Already => {
                    return self.win(http, request, limit, &claim, &answer, None).await;
                }
                Ok(None) => {}
                Err(error) => return Err(redis_down(&error)),
            }
            if tokio::time::Instant::now() >= give_up {
                debug!("no answer published for a claimed code in time");
                return Err(TransportFailure::Timeout);
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Two plain commands at most, no script: `SET NX` (the common case, a code's first sight,
    /// ends here) and, when the code is claimed already, `GET` to learn by whom. A claim
    /// released between the two reads as another's: the caller polls and claims again.
    async fn claim(&self, claim: &str) -> Result<Claimed, redis::RedisError> {
        let mut conn = self.redis.conn();
        let at = tokio::time::Instant::now();
        let options = redis::SetOptions::default()
            .conditional_set(redis::ExistenceCheck::NX)
            .with_expiration(redis::SetExpiry::PX(CODE_LIFE_MS));
        let taken: Option<String> = conn.set_options(claim, &self.replica, options).await?;
        if taken.is_some() {
            return Ok(Claimed::Now(at));
        }
        let holder: Option<String> = conn.get(claim).await?;
        Ok(if holder.as_deref() == Some(self.replica.as_str()) {
            Claimed::Already
        } else {
            Claimed::ByAnother
        })
    }

    async fn published(&self, answer: &str) -> Result<Option<HttpResponse>, redis::RedisError> {
        let mut conn = self.redis.conn();
        let sealed: Option<String> = conn.get(answer).await?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        // A value this replica cannot open (another key set) is as good as none.
        let opened = self.keys.open(&sealed, answer.as_bytes()).ok();
        Ok(opened.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    async fn win(
        &self,
        http: &WeChatHttp,
        request: &HttpRequest,
        limit: Duration,
        claim: &str,
        answer: &str,
        claimed_at: Option<tokio::time::Instant>,
    ) -> Result<HttpResponse, TransportFailure> {
        let result = http.send(request, limit).await;
        match &result {
            Ok(response) if settles_the_code(&result) => {
                // The answer goes back to the coordinator at once and is published beside it:
                // this replica never asks for it (its coordinator remembers the code), and the
                // others poll for it, so publishing adds no round trip to this login.
                let (join, response) = (self.clone(), response.clone());
                let (claim, answer) = (claim.to_owned(), answer.to_owned());
                tokio::spawn(async move {
                    let published = join.publish(&claim, &answer, &response, claimed_at);
                    if let Err(error) = published.await {
                        warn!(%error, "redis unavailable: the code's answer was not shared");
                    }
                });
            }
            _ => {
                if let Err(error) = self.release(claim).await {
                    warn!(%error, "redis unavailable: the code's claim was not released");
                }
            }
        }
        result
    }

    /// Publishes the answer until the claim ends: a claim taken at `claimed_at` ends the
    /// code's life after it, so a plain `SET PX` does (ending [`ANSWER_MARGIN_MS`] early); an
    /// older claim (this replica's retry) is asked for its remaining life by the script.
    async fn publish(
        &self,
        claim: &str,
        answer: &str,
        response: &HttpResponse,
        claimed_at: Option<tokio::time::Instant>,
    ) -> Result<(), redis::RedisError> {
        let Ok(json) = serde_json::to_vec(response) else {
            return Ok(());
        };
        let Ok(sealed) = self.keys.seal(&json, answer.as_bytes()) else {
            return Ok(());
        };
        let mut conn = self.redis.conn();
        if let Some(at) = claimed_at {
            let elapsed = at.elapsed().as_nanos().div_ceil(1_000_000);
            let elapsed = u64::try_from(elapsed).unwrap_or(u64::MAX);
            let left = CODE_LIFE_MS.saturating_sub(elapsed.saturating_add(ANSWER_MARGIN_MS));
            if left == 0 {
                return Ok(()); // the code is dead: nobody can bring it any more
            }
            let options = redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(left));
            return conn.set_options::<_, _, ()>(answer, sealed, options).await;
        }
        Script::new(PUBLISH)
            .key(claim)
            .key(answer)
            .arg(sealed)
            .invoke_async::<i64>(&mut conn)
            .await
            .map(drop)
    }

    async fn release(&self, claim: &str) -> Result<(), redis::RedisError> {
        let mut conn = self.redis.conn();
        Script::new(RELEASE)
            .key(claim)
            .arg(&self.replica)
            .invoke_async::<i64>(&mut conn)
            .await
            .map(drop)
    }
}

/// Redis cannot be asked: the code is kept unsent, as a transient failure.
fn redis_down(error: &redis::RedisError) -> TransportFailure {
    warn!(%error, "redis unavailable: the code is not sent until it can be claimed");
    TransportFailure::Connection {
        message: "the code could not be claimed (redis unavailable); not sent".into(),
    }
}

/// Whether WeChat's answer settles the code for every replica: a session, or a refusal that
/// retrying cannot fix. Transient failures (`-1`, 5xx) do not. (Whether the session's fields
/// are well formed does not matter here: a malformed answer settles the code too.)
fn settles_the_code(result: &Result<HttpResponse, TransportFailure>) -> bool {
    match wechat_api::parse::<WeChatSession>(result) {
        Ok(_) => true,
        Err(error) => !error.is_transient(),
    }
}
