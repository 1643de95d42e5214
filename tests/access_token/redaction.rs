//! No secret (app secret, access token) appears in the `Debug` of any event, command, error,
//! failure, exported state or cache, nor in an error's message.
#![allow(clippy::unwrap_used)]

use crate::access_token_support;
use crate::clock::t0;
use crate::markers::{APP_SECRET, TOKEN, assert_quiet, head};
use crate::wechat::app::BASE_URL;
use crate::wechat::token;

use access_token_support::{Applied, drain, errcode, force, need, secs};
use time::OffsetDateTime;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{AccessToken, AppSecret};
use wxlogin::{EffectId, WaiterId};

use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenConfig, Command, Event, TokenEndpoint, TokenSource,
};

/// The token the cache holds before the rejection; `TOKEN` is the one after it.
fn old() -> String {
    format!("{TOKEN}-old")
}

fn granted(token: &str) -> Result<HttpResponse, TransportFailure> {
    Ok(token::answer(token, 7200))
}

struct Seen(Vec<String>);

impl Seen {
    fn push(&mut self, text: String) {
        self.0.push(text);
    }

    fn check(&self) {
        for text in &self.0 {
            assert_quiet("the cache's outputs", text);
        }
        assert!(self.0.len() > 40, "the test saw enough: {}", self.0.len());
    }
}

/// Feeds one event, recording the Debug of the event, of any error (and its message), of the
/// cache and of every command (and any failure's message). Returns the commands.
fn feed(
    cache: &mut AccessTokenCache,
    event: Option<Event>,
    now: OffsetDateTime,
    seen: &mut Seen,
) -> Vec<Command> {
    match event {
        Some(event) => {
            // An event's Debug hides sensitive query values of a transport message (the URL
            // form HTTP clients quote); a secret the driver pasted verbatim into its own text
            // is scrubbed from everything the cache outputs, which is what is checked for it.
            let verbatim = matches!(
                &event,
                Event::FetchAnswered {
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
        if let Command::Complete {
            outcome: Err(error),
            ..
        } = command
        {
            seen.push(error.to_string());
        }
    }
    commands
}

fn fetch_id(commands: &[Command]) -> EffectId {
    commands
        .iter()
        .find_map(|c| match c {
            Command::Fetch { id, .. } => Some(*id),
            _ => None,
        })
        .expect("a fetch")
}

fn fetched(id: EffectId, result: Result<HttpResponse, TransportFailure>) -> Option<Event> {
    Some(Event::FetchAnswered { id, result })
}

/// Walks a cache through failures, a grant, a rejection, forced refreshes, driver mistakes and
/// sharing, recording everything it outputs.
fn run(endpoint: TokenEndpoint, seen: &mut Seen) {
    let mut config = AccessTokenConfig::new("wxAPPID", AppSecret::new(APP_SECRET), 3);
    config.base_url = BASE_URL.to_owned();
    config.endpoint = endpoint;
    seen.push(format!("{config:?}"));
    let mut cache = AccessTokenCache::new(config);
    let url = format!(
        "{BASE_URL}/cgi-bin/token?grant_type=client_credential&appid=wxAPPID&secret={}%2B%2F%3D",
        head(APP_SECRET)
    );
    let now = failures_then_grant(&mut cache, &url, seen);
    rejection_then_refresh(&mut cache, now, seen);
    forced_refreshes_and_mistakes(&mut cache, now, seen);
    exported_and_shared(&mut cache, now, seen);
}

/// Three failures quoting the secret, each retried, then a grant of the old token.
fn failures_then_grant(cache: &mut AccessTokenCache, url: &str, seen: &mut Seen) -> OffsetDateTime {
    let mut now = t0();
    let failures = [
        Err(TransportFailure::Connection {
            message: format!("error sending request for url ({url})"),
        }),
        Err(TransportFailure::Other {
            message: format!("tls: secret {APP_SECRET} in a message"),
        }),
        errcode(-1, &format!("busy {APP_SECRET} rid: 1-2")),
    ];
    let mut commands = feed(cache, Some(need(1)), now, seen);
    for result in failures {
        feed(cache, fetched(fetch_id(&commands), result), now, seen);
        now = cache.poll_timeout().unwrap();
        commands = feed(cache, None, now, seen);
    }
    feed(
        cache,
        fetched(fetch_id(&commands), granted(&old())),
        now,
        seen,
    );

    now
}

/// Compare-and-expire, then a refresh to TOKEN.
fn rejection_then_refresh(cache: &mut AccessTokenCache, now: OffsetDateTime, seen: &mut Seen) {
    let rejection = Event::TokenRejected {
        token: AccessToken::new(old()),
        generation: 1,
        errcode: 40001,
        waiter: Some(WaiterId(9)),
    };
    let commands = feed(cache, Some(rejection), now, seen);
    feed(
        cache,
        fetched(fetch_id(&commands), granted(TOKEN)),
        now,
        seen,
    );
}

/// A forced refresh failing with a configuration error, then one refused as too soon; then
/// driver mistakes.
fn forced_refreshes_and_mistakes(
    cache: &mut AccessTokenCache,
    now: OffsetDateTime,
    seen: &mut Seen,
) {
    let commands = feed(cache, Some(force(10)), now, seen);
    let id = fetch_id(&commands);
    let bad = errcode(40125, &format!("invalid appsecret {APP_SECRET}"));
    let commands = feed(cache, fetched(id, bad), now, seen);
    assert_failed(&commands);
    let commands = feed(cache, Some(force(11)), now + secs(1), seen);
    assert_failed(&commands);

    // Driver mistakes.
    feed(cache, fetched(id, granted(TOKEN)), now, seen);
    let not_token = Event::TokenRejected {
        token: AccessToken::new(TOKEN),
        generation: 2,
        errcode: 40029,
        waiter: None,
    };
    feed(cache, Some(not_token), now, seen);
}

fn assert_failed(commands: &[Command]) {
    assert!(matches!(
        commands,
        [Command::Complete {
            outcome: Err(_),
            ..
        }]
    ));
}

/// The exported state and the events carrying it.
fn exported_and_shared(cache: &mut AccessTokenCache, now: OffsetDateTime, seen: &mut Seen) {
    let state = cache.export();
    assert!(state.token.is_some());
    seen.push(format!("{state:?}"));
    seen.push(serde_json::to_string(&state.forced).unwrap());
    feed(
        cache,
        Some(Event::Imported {
            state: state.clone(),
        }),
        now,
        seen,
    );
    let mut reader_config = AccessTokenConfig::new("wx", AppSecret::new(APP_SECRET), 1);
    reader_config.source = TokenSource::Shared;
    let mut reader = AccessTokenCache::new(reader_config);
    let commands = feed(&mut reader, Some(need(1)), now, seen);
    let Command::LoadShared { id, .. } = commands[0] else {
        panic!("a load")
    };
    let loaded = Event::SharedLoaded {
        id,
        state: Some(state),
    };
    let commands = feed(&mut reader, Some(loaded), now, seen);
    assert!(matches!(
        commands[..],
        [Command::Complete { outcome: Ok(_), .. }]
    ));
}

#[test]
fn no_secret_in_any_debug_or_message() {
    let mut seen = Seen(Vec::new());
    run(TokenEndpoint::Stable, &mut seen);
    run(TokenEndpoint::Plain, &mut seen);
    seen.check();
    // The markers did travel through the machine: the test can fail.
    let mut config = AccessTokenConfig::new("wx", AppSecret::new(APP_SECRET), 1);
    config.base_url = BASE_URL.to_owned();
    config.endpoint = TokenEndpoint::Plain;
    let mut cache = AccessTokenCache::new(config);
    cache.handle(need(1), t0()).applied();
    let Some(Command::Fetch { request, .. }) = cache.poll_command() else {
        panic!("a fetch")
    };
    assert!(request.url.contains(head(APP_SECRET)));
    assert!(!format!("{request:?}").contains(head(APP_SECRET)));
}
