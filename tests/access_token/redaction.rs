//! No secret (app secret, access token) appears in the `Debug` of any event, command, error,
//! failure, exported state or cache, nor in an error's message.
#![allow(clippy::unwrap_used)]

use crate::support::access_token_support;

use access_token_support::{Applied, BASE, drain, errcode, force, need, secs, t0};
use time::OffsetDateTime;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{AccessToken, AppSecret};
use wxlogin::{EffectId, WaiterId};

use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenCommand, AccessTokenConfig, AccessTokenEvent, TokenEndpoint,
    TokenSource,
};

const SECRET: &str = "APPSECRETMARKER+/=";
const SECRET_MARK: &str = "APPSECRETMARKER";
const TOKEN: &str = "ACCESSTOKENMARKER";
const OLD: &str = "OLDTOKENMARKER";

fn granted(token: &str) -> Result<HttpResponse, TransportFailure> {
    Ok(HttpResponse::json(
        200,
        format!(r#"{{"access_token":"{token}","expires_in":7200}}"#).into_bytes(),
    ))
}

struct Seen(Vec<String>);

impl Seen {
    fn push(&mut self, text: String) {
        self.0.push(text);
    }

    fn check(&self) {
        for text in &self.0 {
            for marker in [SECRET_MARK, TOKEN, OLD] {
                assert!(!text.contains(marker), "{marker} leaked in {text}");
            }
        }
        assert!(self.0.len() > 40, "the test saw enough: {}", self.0.len());
    }
}

/// Feeds one event, recording the Debug of the event, of any error (and its message), of the
/// cache and of every command (and any failure's message). Returns the commands.
fn feed(
    cache: &mut AccessTokenCache,
    event: Option<AccessTokenEvent>,
    now: OffsetDateTime,
    seen: &mut Seen,
) -> Vec<AccessTokenCommand> {
    match event {
        Some(event) => {
            // An event's Debug hides sensitive query values of a transport message (the URL
            // form HTTP clients quote); a secret the driver pasted verbatim into its own text
            // is scrubbed from everything the cache outputs, which is what is checked for it.
            let verbatim = matches!(
                &event,
                AccessTokenEvent::FetchAnswered {
                    result: Err(TransportFailure::Other { .. }),
                    ..
                }
            );
            if !verbatim {
                seen.push(format!("{event:?}"));
            }
            if let Err(e) = cache.handle(event, now) {
                seen.push(format!("{e:?}"));
                seen.push(e.to_string());
            }
        }
        None => cache.handle_timeout(now),
    }
    seen.push(format!("{cache:?}"));
    if let Some(last) = cache.last_failure() {
        seen.push(format!("{last:?}"));
        seen.push(last.to_string());
    }
    let commands = drain(cache);
    for command in &commands {
        seen.push(format!("{command:?}"));
        if let AccessTokenCommand::Failed { error, .. } = command {
            seen.push(error.to_string());
        }
    }
    commands
}

fn fetch_id(commands: &[AccessTokenCommand]) -> EffectId {
    commands
        .iter()
        .find_map(|c| match c {
            AccessTokenCommand::Fetch { id, .. } => Some(*id),
            _ => None,
        })
        .expect("a fetch")
}

fn fetched(
    id: EffectId,
    result: Result<HttpResponse, TransportFailure>,
) -> Option<AccessTokenEvent> {
    Some(AccessTokenEvent::FetchAnswered { id, result })
}

fn run(endpoint: TokenEndpoint, seen: &mut Seen) {
    let config = AccessTokenConfig::new("wxAPPID", AppSecret::new(SECRET), 3)
        .with_base_url(BASE)
        .with_endpoint(endpoint);
    seen.push(format!("{config:?}"));
    let mut cache = AccessTokenCache::new(config);
    let url = format!(
        "{BASE}/cgi-bin/token?grant_type=client_credential&appid=wxAPPID&secret=APPSECRETMARKER%2B%2F%3D"
    );
    let mut now = t0();
    let failures = [
        Err(TransportFailure::Connection {
            message: format!("error sending request for url ({url})"),
        }),
        Err(TransportFailure::Other {
            message: format!("tls: secret {SECRET} in a message"),
        }),
        errcode(-1, &format!("busy {SECRET} rid: 1-2")),
    ];
    let mut commands = feed(&mut cache, Some(need(1)), now, seen);
    for result in failures {
        feed(&mut cache, fetched(fetch_id(&commands), result), now, seen);
        now = cache.poll_timeout().unwrap();
        commands = feed(&mut cache, None, now, seen);
    }
    feed(
        &mut cache,
        fetched(fetch_id(&commands), granted(OLD)),
        now,
        seen,
    );

    // Compare-and-expire, then a refresh to TOKEN.
    let rejection = AccessTokenEvent::TokenRejected {
        token: AccessToken::new(OLD),
        generation: 1,
        errcode: 40001,
        waiter: Some(WaiterId(9)),
    };
    let commands = feed(&mut cache, Some(rejection), now, seen);
    feed(
        &mut cache,
        fetched(fetch_id(&commands), granted(TOKEN)),
        now,
        seen,
    );

    // A forced refresh failing with a configuration error, then one refused as too soon.
    let commands = feed(&mut cache, Some(force(10)), now, seen);
    let id = fetch_id(&commands);
    let bad = errcode(40125, &format!("invalid appsecret {SECRET}"));
    let commands = feed(&mut cache, fetched(id, bad), now, seen);
    assert!(matches!(commands[..], [AccessTokenCommand::Failed { .. }]));
    let commands = feed(&mut cache, Some(force(11)), now + secs(1), seen);
    assert!(matches!(commands[..], [AccessTokenCommand::Failed { .. }]));

    // Driver mistakes.
    feed(&mut cache, fetched(id, granted(TOKEN)), now, seen);
    let not_token = AccessTokenEvent::TokenRejected {
        token: AccessToken::new(TOKEN),
        generation: 2,
        errcode: 40029,
        waiter: None,
    };
    feed(&mut cache, Some(not_token), now, seen);

    // The exported state and the events carrying it.
    let state = cache.export();
    assert!(state.token.is_some());
    seen.push(format!("{state:?}"));
    seen.push(serde_json::to_string(&state.forced).unwrap());
    feed(
        &mut cache,
        Some(AccessTokenEvent::Imported {
            state: state.clone(),
        }),
        now,
        seen,
    );
    let mut reader = AccessTokenCache::new(
        AccessTokenConfig::new("wx", AppSecret::new(SECRET), 1).with_source(TokenSource::Shared),
    );
    let commands = feed(&mut reader, Some(need(1)), now, seen);
    let AccessTokenCommand::LoadShared { id, .. } = commands[0] else {
        panic!("a load")
    };
    let loaded = AccessTokenEvent::SharedLoaded {
        id,
        state: Some(state),
    };
    let commands = feed(&mut reader, Some(loaded), now, seen);
    assert!(matches!(commands[..], [AccessTokenCommand::Ready { .. }]));
}

#[test]
fn no_secret_in_any_debug_or_message() {
    let mut seen = Seen(Vec::new());
    run(TokenEndpoint::Stable, &mut seen);
    run(TokenEndpoint::Plain, &mut seen);
    seen.check();
    // The markers did travel through the machine: the test can fail.
    let mut cache = AccessTokenCache::new(
        AccessTokenConfig::new("wx", AppSecret::new(SECRET), 1)
            .with_base_url(BASE)
            .with_endpoint(TokenEndpoint::Plain),
    );
    cache.handle(need(1), t0()).applied();
    let Some(AccessTokenCommand::Fetch { request, .. }) = cache.poll_command() else {
        panic!("a fetch")
    };
    assert!(request.url.contains(SECRET_MARK));
    assert!(!format!("{request:?}").contains(SECRET_MARK));
}
