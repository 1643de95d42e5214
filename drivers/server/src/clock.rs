//! The wall clock the machines are fed, and its deadlines as tokio sleeps.

use std::time::Duration;

use time::OffsetDateTime;

/// The tokio deadline for an instant of the coordinator's clock (the wall clock).
pub(crate) fn sleep_for(at: OffsetDateTime) -> tokio::time::Instant {
    let wait = Duration::try_from(at - OffsetDateTime::now_utc()).unwrap_or_default();
    let now = tokio::time::Instant::now();
    // An absurd deadline (past tokio's range) is as good as none for a day.
    now.checked_add(wait)
        .unwrap_or_else(|| now + Duration::from_secs(86_400))
}

pub(crate) async fn sleep_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
