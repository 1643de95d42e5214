//! The round-robin front, on the client side: clients address one base URL,
//! [`FRONT`], and their HTTP client (a [`Route`]) sends each request to the next replica in
//! turn. A killed replica is taken out of the rotation at once, as an orchestrator would; the
//! requests it had in flight fail, and the clients retry them on another.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::drive::http_client::Route;

/// The one address the clients know.
pub const FRONT: &str = "http://front.invalid";

/// The replicas' base URLs and which of them are in the rotation.
#[derive(Debug)]
pub struct RoundRobin {
    replicas: Mutex<Vec<(String, bool)>>,
    next: AtomicUsize,
}

impl RoundRobin {
    /// A rotation over `base_urls`, all in.
    pub fn new(base_urls: Vec<String>) -> Self {
        Self {
            replicas: Mutex::new(base_urls.into_iter().map(|url| (url, true)).collect()),
            next: AtomicUsize::new(0),
        }
    }

    /// Takes replica `index` out of the rotation.
    pub fn remove(&self, index: usize) {
        if let Some(replica) = self.locked().get_mut(index) {
            replica.1 = false;
        }
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, Vec<(String, bool)>> {
        self.replicas.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Route for RoundRobin {
    fn route(&self, url: &str) -> Option<String> {
        let path = url.strip_prefix(FRONT)?;
        let replicas = self.locked();
        let live: Vec<&str> = replicas
            .iter()
            .filter(|(_, alive)| *alive)
            .map(|(url, _)| url.as_str())
            .collect();
        // No replica left: the request goes nowhere and fails as a refused connection would.
        let base = match live.len() {
            0 => return Some(format!("http://127.0.0.1:1{path}")),
            n => live[self.next.fetch_add(1, Ordering::Relaxed) % n],
        };
        Some(format!("{base}{path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_over_the_live_replicas_and_leaves_other_urls_alone() {
        let front = RoundRobin::new(vec!["http://a".into(), "http://b".into()]);
        let url = format!("{FRONT}/login");
        assert_eq!(front.route(&url).as_deref(), Some("http://a/login"));
        assert_eq!(front.route(&url).as_deref(), Some("http://b/login"));
        front.remove(0);
        assert_eq!(front.route(&url).as_deref(), Some("http://b/login"));
        assert_eq!(front.route(&url).as_deref(), Some("http://b/login"));
        assert_eq!(front.route("http://wechat/x"), None);
    }
}
