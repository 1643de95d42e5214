//! The multi-replica run, small: 50 clients, three replicas on one `redis-server` (started by
//! the run; a missing one fails this test, it never skips), a replica killed and Redis
//! restarted mid-run. The kill and the restart are triggered by login progress, so they
//! always happen while clients are active; nothing here waits on the clock.

use std::time::Duration;

use wxlogin_demo::lab::fleet::{self, FleetPlan};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_three_replicas_a_kill_and_a_redis_restart() {
    let plan = FleetPlan {
        clients: 50,
        ..FleetPlan::default()
    };
    let report = tokio::time::timeout(Duration::from_secs(120), fleet::run(&plan))
        .await
        .expect("the run hung")
        .unwrap_or_else(|e| panic!("{e}"));
    println!("{report}");
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(report.logged_in, plan.clients, "{report}");
    // The summary's invariants, one by one.
    assert_eq!(report.sessions_lost, 0, "{report}");
    assert_eq!(report.wechat_code_used + report.replica_code_used, 0);
    assert_eq!(report.wechat.calls_after_use, 0, "{report}");
    // The faults really happened mid-run, so the run proves something.
    let (id, after) = report.events.killed.clone().expect("a replica was killed");
    assert!(after < plan.clients, "{id} killed after every login");
    let restart = report.events.redis_restart.clone().expect("a restart");
    let (after, answered_503, _) = restart.expect("redis came back");
    assert!(after < plan.clients && answered_503 > 0, "{report}");
    // Every client's business requests and its last session check were answered.
    assert_eq!(
        report.users.0,
        plan.clients as u64 * u64::from(plan.user.business_requests + 1)
    );
}
