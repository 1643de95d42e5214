//! The smallest server: WeChat login and one business route. `WX_APPID=… WX_SECRET=… cargo
//! run -p wxlogin-server --example minimal`, then `POST /login {"code":"…"}` and
//! `GET /me` with `Authorization: Bearer <token>`.
use axum::{Router, routing::get};
use wxlogin::secret::AppSecret;
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{CoordinatorConfig, ExchangeConfig};
use wxlogin_server::{LoginService, ServerConfig, WxSession, router};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = AppSecret::new(std::env::var("WX_SECRET")?);
    let code2session = Code2SessionApi::new(std::env::var("WX_APPID")?, secret);
    let login = ExchangeConfig::new(code2session, rand_seed());
    let service = LoginService::start(ServerConfig::new(CoordinatorConfig::new(login)))?;
    let app = Router::new()
        .route(
            "/me",
            get(|me: WxSession| async move { me.openid().to_owned() }),
        )
        .with_state(service.clone())
        .merge(router(service));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// The seed of the retry jitter: any value that differs between replicas.
fn rand_seed() -> u64 {
    u64::from(std::process::id())
}
