//! The codes a [`LoginCoordinator`](super::LoginCoordinator) remembers after their exchange
//! ended: which outcomes are kept (the code rule), what a retry of such a code gets, and the
//! bounded, oldest-first memory that holds them.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use time::OffsetDateTime;

use super::command::ExchangeOutcome;
use super::error::ExchangeFailure;
use crate::http::HttpResponse;
use crate::server::session::whole_seconds_until;
use crate::server::wechat_api::{ErrorClass, WeChatFailure};
use crate::wire::LoginGranted;

/// A login code as a map key; `Debug` hides it. Its text is shared: the coordinator's maps
/// and queues hold one allocation per code, and a copy costs a reference count.
///
/// Keys are ordered by a fixed mix of the text first, then by the text: a map search compares
/// two integers where it compared two texts (codes of one period share long prefixes), and
/// still takes a logarithmic number of steps whatever the codes (the mix only orders, it never
/// buckets). [`text`](Self::text) gives the order of the codes themselves where it matters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CodeKey {
    mix: u64,
    text: Arc<str>,
}

impl CodeKey {
    pub(crate) fn new(code: &str) -> Self {
        Self {
            mix: mix(code.as_bytes()),
            text: Arc::from(code),
        }
    }

    /// The code, for ordering keys by it.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }
}

/// A fixed 64-bit mix of `bytes`, eight at a time (not a hash table's hash: nothing is
/// bucketed by it, so it needs no secret seed).
fn mix(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let step = |h: u64, word: u64| (h ^ word).wrapping_mul(K).rotate_left(29);
    let mut words = bytes.chunks_exact(8);
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    for word in &mut words {
        let mut le = [0u8; 8];
        le.copy_from_slice(word);
        h = step(h, u64::from_le_bytes(le));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    let h = step(h, u64::from_le_bytes(tail));
    h ^ (h >> 32)
}

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeKey([redacted])")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Remembered {
    outcome: ExchangeOutcome,
    forget_at: OffsetDateTime,
    seq: u64,
}

/// Finished codes, at most `max` of them, each until its `forget_at`; the oldest is evicted
/// first when full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recent {
    max: usize,
    entries: BTreeMap<CodeKey, Remembered>,
    /// Remembered codes, oldest first, with when each is forgotten; a record whose `seq` no
    /// longer matches its entry's (or whose entry is gone) is stale and skipped.
    order: VecDeque<Record>,
    /// How many records of `order` are stale. While none is, the front record is its entry's
    /// own, and expiry reads it without a lookup.
    stale: usize,
    next_seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    seq: u64,
    forget_at: OffsetDateTime,
    key: CodeKey,
}

impl Recent {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            entries: BTreeMap::new(),
            order: VecDeque::new(),
            stale: 0,
            next_seq: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The answer a retry of `key` gets at `now`, if the code is remembered and within its
    /// life. A remembered code past its life is dropped: WeChat has forgotten it too.
    pub(crate) fn replay(
        &mut self,
        key: &CodeKey,
        now: OffsetDateTime,
    ) -> Option<(HttpResponse, ExchangeOutcome)> {
        let remembered = self.entries.get(key)?;
        if now < remembered.forget_at {
            return Some(replay(&remembered.outcome, now));
        }
        self.entries.remove(key);
        // Its record stays in the queue until it reaches the front.
        self.stale += 1;
        None
    }

    /// Keeps `outcome` for `key` until `forget_at` if a retry must not reach WeChat again.
    pub(crate) fn remember_if_taken(
        &mut self,
        key: CodeKey,
        outcome: ExchangeOutcome,
        forget_at: OffsetDateTime,
        now: OffsetDateTime,
    ) {
        if self.max == 0 || !worth_remembering(&outcome) || now >= forget_at {
            return;
        }
        while self.entries.len() >= self.max {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.drop_popped(&oldest);
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.order.push_back(Record {
            seq,
            forget_at,
            key: key.clone(),
        });
        let remembered = Remembered {
            outcome,
            forget_at,
            seq,
        };
        if self.entries.insert(key, remembered).is_some() {
            // The replaced entry's record no longer matches.
            self.stale += 1;
        }
        // The queue may hold records of entries already replaced; keep it within bounds.
        if self.order.len() > self.max.saturating_mul(2).saturating_add(16) {
            let entries = &self.entries;
            self.order
                .retain(|r| entries.get(&r.key).is_some_and(|e| e.seq == r.seq));
            self.stale = 0;
        }
    }

    /// Drops remembered codes past their life from the front of the queue (oldest first).
    pub(crate) fn forget_expired(&mut self, now: OffsetDateTime) {
        while let Some(front) = self.order.front() {
            // No stale record: the front is its entry's own, and its time is the entry's.
            if self.stale == 0 && now < front.forget_at {
                break;
            }
            let live = self
                .entries
                .get(&front.key)
                .is_some_and(|r| r.seq == front.seq);
            if live && now < front.forget_at {
                break;
            }
            if let Some(front) = self.order.pop_front() {
                self.drop_popped(&front);
            }
        }
    }

    /// Forgets the entry of a record just taken off the front, if the record was its entry's
    /// own; a stale record only leaves the count.
    fn drop_popped(&mut self, record: &Record) {
        if self.stale == 0 {
            // Every record is its entry's own: one lookup, not two.
            self.entries.remove(&record.key);
            return;
        }
        match self.entries.get(&record.key) {
            Some(r) if r.seq == record.seq => {
                self.entries.remove(&record.key);
            }
            _ => self.stale -= 1,
        }
    }
}

/// Whether WeChat may have taken the code, so that it must not be sent again: every outcome
/// but those whose answers were transient (`-1`, 5xx, no response, timeout) or refused the
/// request rather than the code (a quota, the app's configuration, an access token: a retry
/// with the same code may well succeed once that is fixed).
///
/// This is the coordinator's rule: **within its memory (the code's life, [`CODE_LIFETIME`]
/// from the exchange's start, unless evicted for capacity), a code reaches code2Session again
/// only if WeChat cannot have taken it.** Within one exchange, only transient answers are
/// retried.
///
/// [`CODE_LIFETIME`]: crate::wire::CODE_LIFETIME
fn worth_remembering(outcome: &ExchangeOutcome) -> bool {
    match outcome {
        ExchangeOutcome::Granted { .. } => true,
        ExchangeOutcome::Failed(ExchangeFailure::Refused(e)) => {
            wechat_may_have_taken(e.class(), false)
        }
        ExchangeOutcome::Failed(ExchangeFailure::Unavailable { last, .. }) => {
            let class = last
                .wechat()
                .map_or(ErrorClass::Unknown, WeChatFailure::class);
            wechat_may_have_taken(class, last.is_transient())
        }
        ExchangeOutcome::Failed(
            ExchangeFailure::SessionNotCreated(_) | ExchangeFailure::SessionTimeout,
        ) => true,
        // Never the end of an exchange: answered at once, nothing to remember.
        ExchangeOutcome::Failed(
            ExchangeFailure::BadRequest(_)
            | ExchangeFailure::Busy
            | ExchangeFailure::CodeAlreadyExchanged,
        ) => false,
    }
}

fn wechat_may_have_taken(class: ErrorClass, transient: bool) -> bool {
    let about_the_request = matches!(
        class,
        ErrorClass::Retry
            | ErrorClass::RateLimited(_)
            | ErrorClass::Configuration
            | ErrorClass::TokenInvalid
    );
    !transient && !about_the_request
}

/// The answer a retry gets, as of `now`: the session while it lasts, the same failure, or, when
/// WeChat took the code but its session is gone, [`ExchangeFailure::CodeAlreadyExchanged`].
fn replay(outcome: &ExchangeOutcome, now: OffsetDateTime) -> (HttpResponse, ExchangeOutcome) {
    let spent = ExchangeFailure::CodeAlreadyExchanged;
    let failure = match outcome {
        ExchangeOutcome::Granted {
            token, expires_at, ..
        } => match whole_seconds_until(now, *expires_at) {
            Some(expires_in) => {
                let grant = LoginGranted {
                    token: token.clone(),
                    expires_in,
                };
                return (grant.to_response(), outcome.clone());
            }
            None => spent,
        },
        ExchangeOutcome::Failed(
            ExchangeFailure::SessionNotCreated(_) | ExchangeFailure::SessionTimeout,
        ) => spent,
        ExchangeOutcome::Failed(failure) => failure.clone(),
    };
    (
        failure.wire_body(now).to_response(),
        ExchangeOutcome::Failed(failure),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, VecDeque};

    use super::*;
    use crate::rng::SplitMix64;
    use crate::secret::SessionToken;

    /// The memory as it was before the stale count: every expiry looks its front record up.
    #[derive(Default)]
    struct Model {
        entries: BTreeMap<String, (i64, u64)>,
        order: VecDeque<(u64, String)>,
        next_seq: u64,
    }

    impl Model {
        fn live(&self, seq: u64, key: &str) -> bool {
            self.entries.get(key).is_some_and(|e| e.1 == seq)
        }

        fn remember(&mut self, max: usize, key: &str, forget_at: i64, now: i64) {
            if max == 0 || now >= forget_at {
                return;
            }
            while self.entries.len() >= max {
                let Some((seq, oldest)) = self.order.pop_front() else {
                    break;
                };
                if self.live(seq, &oldest) {
                    self.entries.remove(&oldest);
                }
            }
            self.order.push_back((self.next_seq, key.to_owned()));
            self.entries
                .insert(key.to_owned(), (forget_at, self.next_seq));
            self.next_seq += 1;
            if self.order.len() > max * 2 + 16 {
                let entries = &self.entries;
                self.order
                    .retain(|(seq, k)| entries.get(k).is_some_and(|e| e.1 == *seq));
            }
        }

        fn replay(&mut self, key: &str, now: i64) -> bool {
            match self.entries.get(key) {
                Some(&(forget_at, _)) if now < forget_at => true,
                Some(_) => {
                    self.entries.remove(key);
                    false
                }
                None => false,
            }
        }

        fn forget_expired(&mut self, now: i64) {
            while let Some((seq, key)) = self.order.front() {
                match self.entries.get(key) {
                    Some(e) if e.1 == *seq && now < e.0 => break,
                    Some(e) if e.1 == *seq => {
                        self.entries.remove(key);
                    }
                    _ => {}
                }
                self.order.pop_front();
            }
        }
    }

    /// Random inputs on few codes (replays of expired codes, codes remembered again, evictions,
    /// compactions): what is remembered is the model's after every input.
    #[test]
    fn the_stale_count_changes_nothing_remembered() {
        let at = |t: i64| OffsetDateTime::from_unix_timestamp(t).unwrap();
        let granted = || ExchangeOutcome::Granted {
            openid: "o".into(),
            unionid: None,
            token: SessionToken::new("t"),
            expires_at: at(1_000_000),
        };
        for seed in 0..200 {
            let mut rng = SplitMix64::new(seed);
            let max = (rng.next_u64() % 5) as usize;
            let (mut recent, mut model) = (Recent::new(max), Model::default());
            let mut now = 0;
            for _ in 0..300 {
                now += (rng.next_u64() % 3) as i64;
                let code = format!("c{}", rng.next_u64() % 6);
                let key = CodeKey::new(&code);
                match rng.next_u64() % 3 {
                    0 => {
                        let forget_at = now + (rng.next_u64() % 8) as i64;
                        recent.remember_if_taken(key, granted(), at(forget_at), at(now));
                        model.remember(max, &code, forget_at, now);
                    }
                    1 => {
                        let replayed = recent.replay(&key, at(now)).is_some();
                        assert_eq!(replayed, model.replay(&code, now), "seed {seed}");
                    }
                    _ => {
                        recent.forget_expired(at(now));
                        model.forget_expired(now);
                    }
                }
                assert_eq!(recent.len(), model.entries.len(), "seed {seed}");
                assert_eq!(recent.order.len(), model.order.len(), "seed {seed}");
            }
        }
    }
}
