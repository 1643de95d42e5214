//! Faults on the link between the client and the developer server, as an axum middleware
//! around the developer server's router: the request is served in full (the coordinator
//! grants the session), then its answer is delayed or lost on the way back. That is the case
//! `CodeReuse::WithinCodeLife` and the coordinator's memory exist for.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;
use wxlogin::test_support::SplitMix64;

use crate::lab::trace::Trace;

/// What happens to one answer on its way back to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkFault {
    /// The connection breaks before the answer arrives.
    LoseAnswer,
    /// The answer arrives this much later.
    Delay(Duration),
}

#[derive(Debug)]
struct Plan {
    queued: Vec<(String, LinkFault)>,
    rates: Vec<(String, LinkFault, u32)>,
    rng: SplitMix64,
    injected: u64,
}

/// The link's switches, keyed by request path (`/login`, `/session`).
#[derive(Debug)]
pub struct LinkFaults {
    plan: Mutex<Plan>,
    trace: Arc<Trace>,
}

impl LinkFaults {
    /// A healthy link; rates draw from `seed`.
    pub fn new(seed: u64, trace: Arc<Trace>) -> Arc<Self> {
        Arc::new(Self {
            plan: Mutex::new(Plan {
                queued: Vec::new(),
                rates: Vec::new(),
                rng: SplitMix64::new(seed),
                injected: 0,
            }),
            trace,
        })
    }

    /// The next answer to a request for `path` suffers `fault`.
    pub fn queue(&self, path: &str, fault: LinkFault) {
        self.locked().queued.push((path.to_owned(), fault));
    }

    /// Every answer to `path` suffers `fault` with this probability, in per mille.
    pub fn at_rate(&self, path: &str, fault: LinkFault, per_mille: u32) {
        self.locked()
            .rates
            .push((path.to_owned(), fault, per_mille.min(1000)));
    }

    /// Wraps `router` so that its answers cross this link.
    pub fn wrap(self: &Arc<Self>, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(Arc::clone(self), cross))
    }

    /// How many answers have suffered a fault so far.
    pub fn injected(&self) -> u64 {
        self.locked().injected
    }

    fn draw(&self, path: &str) -> Option<LinkFault> {
        let mut plan = self.locked();
        let fault = match plan.queued.iter().position(|(p, _)| p == path) {
            Some(at) => Some(plan.queued.remove(at).1),
            None => {
                let Plan { rates, rng, .. } = &mut *plan;
                rates
                    .iter()
                    .filter(|(p, _, _)| p == path)
                    .find(|(_, _, per_mille)| rng.next_u64() % 1000 < u64::from(*per_mille))
                    .map(|(_, fault, _)| *fault)
            }
        };
        plan.injected += u64::from(fault.is_some());
        fault
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn cross(State(link): State<Arc<LinkFaults>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let fault = link.draw(&path);
    // The request is always served in full: only its answer suffers.
    let response = next.run(request).await;
    match fault {
        None => response,
        Some(LinkFault::Delay(delay)) => {
            link.trace
                .log("link", format!("answer to {path} delayed by {delay:?}"));
            tokio::time::sleep(delay).await;
            response
        }
        Some(LinkFault::LoseAnswer) => {
            link.trace.log(
                "link",
                format!("answer {} to {path} lost", response.status().as_u16()),
            );
            severed()
        }
    }
}

/// A response whose body fails at once, so the server closes the connection before a complete
/// answer: what the client sees when a connection drops.
pub fn severed() -> Response {
    Response::new(Body::new(Severed))
}

struct Severed;

impl http_body::Body for Severed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection dropped by fault injection",
        ))))
    }
}
