//! The client driver loop, standalone: one `LoginMachine` driven against in-process stand-ins
//! for storage, `wx.login` and the developer server, with a clock the driver owns. Every
//! command is printed through its `Debug`, which hides secrets; never log a command's JSON
//! form, which carries the token and the code to the JavaScript driver.
//!
//! The loop: 1. feed one input; 2. drain **every** command and carry each out; 3. when nothing
//! is left to answer, sleep until `poll_timeout` and call `handle_timeout`.
//!
//! `cargo run --example client_loop`

use std::collections::{HashMap, VecDeque};

use time::OffsetDateTime;
use wxlogin::WaiterId;
use wxlogin::client::{Command, Event, LoginConfig, LoginMachine};
use wxlogin::http::HttpResponse;
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::wire::{ErrorBody, ErrorKind, LoginGranted, SessionValid};

/// Stand-ins for what a real driver calls: storage, `wx.login` and the developer server.
#[derive(Default)]
struct World {
    storage: HashMap<String, StorageValue>,
    codes: u8,
    /// The server's next answers, in order; when none is queued, it grants a session.
    replies: VecDeque<HttpResponse>,
}

impl World {
    /// Carries out one command and gives the event that answers it, if it expects one.
    fn carry_out(&mut self, command: Command) -> Option<Event> {
        println!("  -> {command:?}");
        // Exhaustive, no `_` arm: a new command kind must not be skipped silently.
        Some(match command {
            Command::ReadStorage { id, key } => {
                let value = self.storage.get(&key).cloned();
                Event::StorageRead { id, value }
            }
            Command::CheckWxSession { id } => Event::CheckSessionResult { id, result: Ok(()) },
            Command::WxLogin { id, .. } => Event::CodeObtained {
                id,
                result: Ok(self.code()),
            },
            Command::SendRequest { id, .. } => Event::ServerResponse {
                id,
                result: Ok(self.reply()),
            },
            Command::WriteStorage { key, value } => {
                self.storage.insert(key, value);
                return None;
            }
            Command::RemoveStorage { key } => {
                self.storage.remove(&key);
                return None;
            }
            Command::Complete { waiters, outcome } => {
                println!("     settled {waiters:?}: ok = {}", outcome.is_ok());
                return None;
            }
        })
    }

    /// `wx.login`: a fresh code each time.
    fn code(&mut self) -> LoginCode {
        self.codes += 1;
        LoginCode::new(format!("081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G{}", self.codes))
    }

    /// The developer server: the next queued answer, else a new session.
    fn reply(&mut self) -> HttpResponse {
        let token = SessionToken::from_random_bytes([self.codes; 32]);
        let granted = LoginGranted {
            token,
            expires_in: 7200,
        };
        self.replies
            .pop_front()
            .unwrap_or_else(|| granted.to_response())
    }
}

/// Feeds `first`, then runs the loop until nothing is left to answer and no request waits.
fn drive(m: &mut LoginMachine, world: &mut World, first: Event, now: &mut OffsetDateTime) {
    let mut answers = VecDeque::from([first]);
    loop {
        if let Some(event) = answers.pop_front() {
            // 1. Feed one input (`Ok(Handled::Late)` is a race, not a bug: go on).
            if let Err(error) = m.handle(event, *now) {
                println!("  refused: {error}");
            }
        } else if let Some(at) = m.poll_timeout().filter(|_| m.waiting() > 0) {
            // 3. Nothing to answer, but a request waits: sleep until the deadline, fire it.
            println!("  .. sleeping {} ms", (at - *now).whole_milliseconds());
            *now = at;
            m.handle_timeout(*now);
        } else {
            return;
        }
        // 2. Drain every command and carry each out; an answer is a later input.
        while let Some(command) = m.poll_command() {
            answers.extend(world.carry_out(command));
        }
    }
}

fn main() {
    let mut now =
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let request = |waiter| Event::LoginRequested {
        waiter: WaiterId(waiter),
    };
    let mut config = LoginConfig::new("https://api.example.com");
    config.seed = 42; // a random value per launch in a real app
    let mut world = World::default();

    println!("cold start: no record, so wx.login and the login request");
    let mut m = LoginMachine::new(config.clone());
    drive(&mut m, &mut world, request(1), &mut now);
    println!("a second request is served from memory");
    drive(&mut m, &mut world, request(2), &mut now);

    println!("relaunch: the stored session is checked; the server answers 503 once");
    let unavailable = ErrorBody::new(ErrorKind::UpstreamUnavailable, "try again");
    world.replies.push_back(unavailable.to_response());
    world
        .replies
        .push_back(SessionValid { expires_in: 5400 }.to_response());
    let mut m = LoginMachine::new(config);
    drive(&mut m, &mut world, request(1), &mut now);
    println!("final state: {:?}", m.state());
}
