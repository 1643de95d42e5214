//! One scenario per rule of the client `LoginMachine` (the README's "The rules the client machine
//! encodes"), a module per rule.
#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test.

use crate::common;

use crate::clock::{T0, at, t0};
use common::{Answer, World, WxCheck, WxLogin, config, record};
use time::Duration;
use wxlogin::Handled;
use wxlogin::client::{
    CodeReuse, Event, LoginError, LoginFailure, StateKind, Step, VerifyPolicy, WxFailure,
};
use wxlogin::http::TransportFailure;
use wxlogin::secret::SessionToken;
use wxlogin::test_support::{StoredLookup, StoredSession};
use wxlogin::wire::{ErrorBody, ErrorKind, TokenHeader};
use wxlogin::{EffectId, WaiterId};

/// Rule 4: storage that never answered was read three times, then reported, with no wx.login.
fn storage_gave_up(world: &World) {
    let timeout = LoginFailure::Timeout {
        step: Step::ReadStorage,
        attempts: 3,
    };
    assert_eq!(world.failure_of(1), timeout);
    assert_eq!((world.storage_reads, world.wx_login_calls), (3, 0));
}

fn error_json(kind: ErrorKind) -> String {
    String::from_utf8(ErrorBody::new(kind, "from the server").to_response().body).unwrap()
}

mod late;
mod logout;
mod rule1;
mod rule2;
mod rule3;
mod rule4;
mod rule5;
mod rule6;
mod rule7;
mod rule8;
