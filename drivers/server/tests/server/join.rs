//! Codes joined across replicas: several services sharing one Redis make one code2Session
//! call per code, however the duplicates are spread.

use wxlogin_server::{CodeJoin, LoginService, RedisStore, ServerConfig};

use crate::support::redis::{RedisServer, keys};
use crate::support::wechat::FakeWeChat;
use crate::support::{self, Served, app, fresh_code, get, login, serve, token_of};

/// A service with its sessions in `redis` and its codes joined there as `replica`.
fn joined(redis: &RedisServer, config: ServerConfig, replica: &str) -> LoginService {
    LoginService::builder(config)
        .store(RedisStore::new(redis.connect(), keys()))
        .code_join(CodeJoin::new(redis.connect(), keys(), replica))
        .start()
        .expect("start")
}

async fn replicas(redis: &RedisServer, wechat: &FakeWeChat, n: usize) -> Vec<Served> {
    let mut served = Vec::new();
    for i in 0..n {
        let config = support::config(wechat.base_url());
        let service = joined(redis, config, &format!("replica-{i}"));
        served.push(serve(app(service)).await);
    }
    served
}

#[tokio::test]
async fn duplicates_on_three_replicas_make_one_call_and_each_gets_a_session() {
    let redis = RedisServer::start().await;
    let wechat = FakeWeChat::start().await;
    let servers = replicas(&redis, &wechat, 3).await;
    for _round in 0..3 {
        let code = fresh_code();
        let gate = wechat.hold();
        let attempts: Vec<_> = servers
            .iter()
            .flat_map(|s| [s.base_url.clone(), s.base_url.clone()])
            .map(|base| {
                let code = code.clone();
                tokio::spawn(async move { login(&base, &code).await })
            })
            .collect();
        support::eventually("one call reached WeChat", || async {
            wechat.calls(&code) >= 1
        })
        .await;
        drop(gate);
        wechat.release();
        for attempt in attempts {
            let (status, body) = attempt.await.expect("join");
            assert_eq!(status, 200, "{body}");
            let auth = format!("Bearer {}", token_of(&body));
            // Any replica accepts any replica's session: the store is shared.
            let (status, _) = get(&servers[2].base_url, "/me", &[("authorization", &auth)]).await;
            assert_eq!(status, 200);
        }
        assert_eq!(
            wechat.calls(&code),
            1,
            "one code2Session call across the replicas"
        );
    }
}

#[tokio::test]
async fn a_retry_on_another_replica_after_the_answer_is_not_40163() {
    let redis = RedisServer::start().await;
    let wechat = FakeWeChat::start().await;
    let servers = replicas(&redis, &wechat, 2).await;
    let code = fresh_code();
    let (status, body) = login(&servers[0].base_url, &code).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = login(&servers[1].base_url, &code).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = login(&servers[1].base_url, &format!("bad-{code}")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_code"))
    );
    let (status, body) = login(&servers[0].base_url, &format!("bad-{code}")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_code"))
    );
    assert_eq!(wechat.calls(&code), 1);
    assert_eq!(
        wechat.calls(&format!("bad-{code}")),
        1,
        "a refusal is shared too"
    );
}

#[tokio::test]
async fn a_dead_winners_claim_is_answered_as_the_rules_say_never_a_hang() {
    use sha2::{Digest, Sha256};
    let redis = RedisServer::start().await;
    let wechat = FakeWeChat::start().await;
    let mut config = support::config(wechat.base_url());
    config.coordinator.exchange.call_timeout = time::Duration::milliseconds(300);
    config.coordinator.exchange.backoff.max_attempts = 2;
    config.call_grace = time::Duration::milliseconds(200);
    let service = joined(&redis, config, "alive");
    // A replica claimed this code and died before publishing: its claim stays until it expires.
    let code = fresh_code();
    let url = format!(
        "{}/sns/jscode2session?appid={}&secret={}&js_code={code}&grant_type=authorization_code",
        wechat.base_url(),
        support::APPID,
        support::APP_SECRET
    );
    let hash: String = Sha256::digest(url.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let client = redis::Client::open(redis.url()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");
    let () = redis::cmd("SET")
        .arg(format!("wxlogin:code:claim:{hash}"))
        .arg("dead")
        .arg("PX")
        .arg(300_000)
        .query_async(&mut conn)
        .await
        .expect("set");
    let response = service
        .login(format!(r#"{{"code":"{code}"}}"#).into_bytes())
        .await;
    assert_eq!(
        response.status, 503,
        "transient: the client may retry with a new code"
    );
    assert_eq!(
        wechat.calls(&code),
        0,
        "the claimed code was not exchanged twice"
    );
}

#[tokio::test]
async fn with_redis_down_a_code_is_kept_unsent_and_exchanged_once_redis_is_back() {
    let mut redis = RedisServer::start().await;
    let wechat = FakeWeChat::start().await;
    let mut config = support::config(wechat.base_url());
    config.coordinator.exchange.backoff.max_attempts = 2;
    config.store_write_patience = time::Duration::ZERO;
    let service = joined(&redis, config, "r1");
    let code = fresh_code();
    let body = format!(r#"{{"code":"{code}"}}"#).into_bytes();
    redis.stop();
    let response = service.login(body.clone()).await;
    assert_eq!(
        response.status, 503,
        "transient: the client retries the code"
    );
    assert_eq!(
        wechat.calls(&code),
        0,
        "no replica could share its answer: the code was not spent"
    );
    redis.restart().await;
    let retried = wxlogin::wire::decode_login_response(&service.login(body).await);
    assert!(retried.is_ok(), "{retried:?}");
    assert_eq!(wechat.calls(&code), 1);
}

#[tokio::test]
async fn a_published_answer_lives_no_longer_than_its_claim() {
    let redis = RedisServer::start().await;
    let wechat = FakeWeChat::start().await;
    let servers = replicas(&redis, &wechat, 1).await;
    let (status, body) = login(&servers[0].base_url, &fresh_code()).await;
    assert_eq!(status, 200, "{body}");
    let client = redis::Client::open(redis.url()).expect("url");
    let conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");
    // The answer is published beside the reply: it may land just after it.
    support::eventually("the answer is published", || {
        let mut conn = conn.clone();
        async move {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg("wxlogin:code:answer:*")
                .query_async(&mut conn)
                .await
                .expect("keys");
            keys.len() == 1
        }
    })
    .await;
    let mut conn = conn.clone();
    let ttl = |key: String| redis::cmd("PTTL").arg(key).to_owned();
    let answer: Vec<String> = redis::cmd("KEYS")
        .arg("wxlogin:code:answer:*")
        .query_async(&mut conn)
        .await
        .expect("keys");
    let claim = answer[0].replace(":answer:", ":claim:");
    // The claim's life read first: an answer that ends no later reads no longer after it.
    let claim_ms: i64 = ttl(claim).query_async(&mut conn).await.expect("pttl");
    let answer_ms: i64 = ttl(answer[0].clone())
        .query_async(&mut conn)
        .await
        .expect("pttl");
    // It ends a second before the claim (the margin for the time its `SET` takes to arrive),
    // not sooner.
    assert!(
        claim_ms - 2_000 < answer_ms && answer_ms <= claim_ms && claim_ms <= 300_000,
        "answer {answer_ms} ms, claim {claim_ms} ms"
    );
}
