//! The client driver loop in one file: feed one event, drain every command, carry each out,
//! feed back its answer, and wake at `poll_timeout()` when nothing else is to do.
//!
//! The world here is in memory (one storage slot, a `wx.login` that hands out codes, a
//! developer server that grants tokens and confirms them), so the loop is all there is to read.
//! `demo/src/drive/client/` runs the same loop over HTTP with tokio.
//!
//! `cargo run --example client_loop`

use std::collections::VecDeque;

use time::{Duration, OffsetDateTime};
use wxlogin::WaiterId;
use wxlogin::client::{Command, Event, LoginConfig, LoginMachine};
use wxlogin::http::{HttpRequest, HttpResponse, Method};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::wire::{LoginGranted, SessionValid};

/// What the mini program's runtime and the developer server would be.
#[derive(Default)]
struct World {
    storage: Option<String>,
    codes: u32,
}

impl World {
    /// Carries out one command; an effect's answer comes back as the event to feed.
    fn carry_out(&mut self, command: Command) -> Option<Event> {
        println!("  -> {}", kind(&command));
        match command {
            Command::ReadStorage { id, .. } => {
                let value = self.storage.clone().map(StorageValue::new);
                Some(Event::StorageRead { id, value })
            }
            Command::CheckWxSession { id } => {
                Some(Event::CheckSessionResult { id, result: Ok(()) })
            }
            Command::WxLogin { id, .. } => {
                self.codes += 1;
                let code = LoginCode::new(format!("code-{}", self.codes));
                Some(Event::CodeObtained {
                    id,
                    result: Ok(code),
                })
            }
            Command::SendRequest { id, request, .. } => {
                let result = Ok(self.developer_server(&request));
                Some(Event::ServerResponse { id, result })
            }
            Command::WriteStorage { value, .. } => {
                self.storage = Some(value.expose_secret().to_owned());
                None
            }
            Command::RemoveStorage { .. } => {
                self.storage = None;
                None
            }
            // The app's callers get their answer here; nothing goes back to the machine.
            Command::Complete { .. } => None,
        }
    }

    /// `POST /login` grants a session for the code; `GET /session` confirms the token.
    fn developer_server(&self, request: &HttpRequest) -> HttpResponse {
        match request.method {
            Method::Post => LoginGranted {
                token: SessionToken::new(format!("token-for-code-{}", self.codes)),
                expires_in: 7200,
            }
            .to_response(),
            Method::Get => SessionValid { expires_in: 3600 }.to_response(),
        }
    }
}

/// Feeds `event`, then drains every command after every input: the one rule of the loop.
fn run(machine: &mut LoginMachine, world: &mut World, event: Event, now: OffsetDateTime) {
    let mut inbox = VecDeque::from([event]);
    while let Some(event) = inbox.pop_front() {
        println!("  <- {}", kind(&event));
        if let Err(error) = machine.handle(event, now) {
            // Only a driver that broke the contract gets here; the machine is unchanged.
            eprintln!("refused: {error}");
            return;
        }
        while let Some(command) = machine.poll_command() {
            inbox.extend(world.carry_out(command));
        }
    }
    // Nothing left to carry out: a real driver sleeps until this instant, then calls
    // `handle_timeout(at)` and drains the commands again.
    println!("  next wake-up: {:?}", machine.poll_timeout());
}

/// The `type` of an event or command in its JSON form. The whole JSON is what a JavaScript
/// driver exchanges; it is not printed here because it carries codes and tokens.
fn kind(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_value(value).unwrap_or_default();
    json["type"].as_str().unwrap_or("?").to_owned()
}

fn main() {
    let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    let mut world = World::default();
    let request = |waiter| Event::LoginRequested {
        waiter: WaiterId(waiter),
    };

    println!("first launch: no record, so wx.login and POST /login");
    let mut machine = LoginMachine::new(LoginConfig::new("https://api.example.com"));
    run(&mut machine, &mut world, request(1), now);

    println!("next launch: the stored token, confirmed with checkSession and GET /session");
    let mut machine = LoginMachine::new(LoginConfig::new("https://api.example.com"));
    run(
        &mut machine,
        &mut world,
        request(1),
        now + Duration::minutes(5),
    );
}
