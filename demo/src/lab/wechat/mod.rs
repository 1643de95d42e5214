//! A fake WeChat API on axum, answering with the real bodies and error codes of
//! docs/protocol.md: `GET /sns/jscode2session`, `POST /cgi-bin/stable_token`,
//! `GET /wxa/checksession`, plus `POST /_fake/wx/login`, where the client's fake `wx.login`
//! gets its codes (on a phone, the WeChat app does that).
//!
//! Faults are switched on through [`Faults`]; what the fake saw is in [`WeChatCounts`].

mod bodies;
mod faults;
mod routes;
mod world;

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

pub use bodies::ErrCode;
pub use faults::{Api, Fault, Faults};
pub use world::{AppCredentials, WeChatCounts, World, openid_of, session_key_signature};

use crate::drive::listen::Listening;
use crate::drive::random;
use crate::lab::trace::Trace;

/// The fake's state, shared by its handlers and by the test that drives it.
#[derive(Debug)]
pub struct FakeWeChat {
    world: Mutex<World>,
    faults: Faults,
    trace: Arc<Trace>,
}

/// A running fake WeChat; dropping it stops the server.
#[derive(Debug)]
pub struct RunningWeChat {
    /// Its state.
    pub fake: Arc<FakeWeChat>,
    listening: Listening,
}

impl RunningWeChat {
    /// `http://127.0.0.1:<port>`: the base URL to put in `Code2SessionApi::base_url`.
    pub fn base_url(&self) -> &str {
        self.listening.base_url()
    }
}

impl FakeWeChat {
    /// Starts a fake WeChat for one mini program on a port the OS chooses.
    pub async fn start(app: AppCredentials, trace: Arc<Trace>) -> io::Result<RunningWeChat> {
        let seed = random::seed().map_err(io::Error::other)?;
        let fake = Arc::new(FakeWeChat {
            world: Mutex::new(World::new(app)),
            faults: Faults::new(seed),
            trace,
        });
        let listening = Listening::serve(routes::router(Arc::clone(&fake))).await?;
        Ok(RunningWeChat { fake, listening })
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// What the fake saw so far.
    pub fn counts(&self) -> WeChatCounts {
        self.with_world(|w| w.counts())
    }

    /// Runs `f` on the fake's memory.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        // The world's methods do not panic halfway through a change.
        f(&mut self.world.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn log(&self, text: impl Into<String>) {
        self.trace.log("wechat", text);
    }
}
