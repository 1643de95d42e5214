//! Fault switches of the fake WeChat: a fault queued for the next call of one API, or drawn
//! at a rate on every call (the load run's "10% of calls answer -1").

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use wxlogin::test_support::SplitMix64;

/// The fake's endpoints that faults can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// `GET /sns/jscode2session`.
    Code2Session,
    /// `POST /cgi-bin/stable_token`.
    StableToken,
    /// `GET /wxa/checksession`.
    CheckSession,
    /// The fake `wx.login` (how the client obtains codes).
    WxLogin,
}

/// What goes wrong with one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `-1` (system busy).
    SystemBusy,
    /// Answer `45011` (minute quota reached).
    MinuteQuota,
    /// Answer `40226` (high-risk user, login blocked).
    HighRiskUser,
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Close the connection without a complete answer.
    DropConnection,
}

#[derive(Debug)]
struct Plan {
    queued: Vec<(Api, Fault)>,
    rates: Vec<(Api, Fault, u32)>,
    rng: SplitMix64,
    injected: HashMap<Api, u64>,
}

/// The switches; shared by every handler.
#[derive(Debug)]
pub struct Faults {
    plan: Mutex<Plan>,
}

impl Faults {
    /// No faults; rates draw from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            plan: Mutex::new(Plan {
                queued: Vec::new(),
                rates: Vec::new(),
                rng: SplitMix64::new(seed),
                injected: HashMap::new(),
            }),
        }
    }

    /// The next call of `api` suffers `fault` (queued faults of one API apply in order).
    pub fn queue(&self, api: Api, fault: Fault) {
        self.locked().queued.push((api, fault));
    }

    /// Every call of `api` suffers `fault` with this probability, in per mille.
    pub fn at_rate(&self, api: Api, fault: Fault, per_mille: u32) {
        self.locked().rates.push((api, fault, per_mille.min(1000)));
    }

    /// How many faults calls of `api` have suffered so far.
    pub fn injected(&self, api: Api) -> u64 {
        self.locked().injected.get(&api).copied().unwrap_or(0)
    }

    /// The fault for one call of `api`, if any: a queued one first, then the rates in order.
    pub fn draw(&self, api: Api) -> Option<Fault> {
        let mut plan = self.locked();
        let fault = match plan.queued.iter().position(|(a, _)| *a == api) {
            Some(at) => Some(plan.queued.remove(at).1),
            None => {
                let Plan { rates, rng, .. } = &mut *plan;
                rates
                    .iter()
                    .filter(|(a, _, _)| *a == api)
                    .find(|(_, _, per_mille)| rng.next_u64() % 1000 < u64::from(*per_mille))
                    .map(|(_, fault, _)| *fault)
            }
        };
        if fault.is_some() {
            *plan.injected.entry(api).or_default() += 1;
        }
        fault
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_come_first_and_in_order() {
        let faults = Faults::new(1);
        faults.queue(Api::Code2Session, Fault::SystemBusy);
        faults.queue(Api::WxLogin, Fault::DropConnection);
        faults.queue(Api::Code2Session, Fault::MinuteQuota);
        assert_eq!(faults.draw(Api::Code2Session), Some(Fault::SystemBusy));
        assert_eq!(faults.draw(Api::Code2Session), Some(Fault::MinuteQuota));
        assert_eq!(faults.draw(Api::Code2Session), None);
        assert_eq!(faults.draw(Api::WxLogin), Some(Fault::DropConnection));
        assert_eq!(faults.injected(Api::Code2Session), 2);
    }

    #[test]
    fn rates_are_roughly_kept() {
        let faults = Faults::new(7);
        faults.at_rate(Api::Code2Session, Fault::SystemBusy, 100);
        let hits = (0..10_000)
            .filter(|_| faults.draw(Api::Code2Session).is_some())
            .count();
        assert!((800..1200).contains(&hits), "{hits}");
        assert_eq!(faults.draw(Api::StableToken), None);
    }
}
