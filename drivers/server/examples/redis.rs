//! Several replicas acting as one: sessions in Redis (session keys sealed at rest), duplicate
//! codes joined across replicas. `WX_APPID=… WX_SECRET=… SEAL_KEY=<64 hex digits>
//! REDIS_URL=redis://127.0.0.1/ PORT=3000 cargo run -p wxlogin-server --features redis
//! --example redis`; start one per port behind any load balancer.
use axum::{Router, routing::get};
use wxlogin::secret::AppSecret;
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{CoordinatorConfig, ExchangeConfig};
use wxlogin_server::{
    CodeJoin, LoginService, Redis, RedisStore, SealKeys, ServerConfig, WxSession, router,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let code2session = Code2SessionApi::new(env("WX_APPID")?, AppSecret::new(env("WX_SECRET")?));
    let port: u16 = env("PORT")?.parse()?;
    let login = ExchangeConfig::new(
        code2session,
        u64::from(port) << 32 | u64::from(std::process::id()),
    );
    // Every replica holds the same keys; `key id` lets a new key take over while old records
    // are still read (`with_previous`).
    let keys = SealKeys::from_hex("k1", &env("SEAL_KEY")?)?;
    let redis = Redis::open(&env("REDIS_URL")?)?;
    let replica = format!("{}:{port}", std::process::id());
    let service = LoginService::builder(ServerConfig::new(CoordinatorConfig::new(login)))
        .store(RedisStore::new(redis.clone(), keys.clone()))
        .code_join(CodeJoin::new(redis, keys, replica))
        .start()?;
    let app = Router::new()
        .route(
            "/me",
            get(|me: WxSession| async move { me.openid().to_owned() }),
        )
        .with_state(service.clone())
        .merge(router(service));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
