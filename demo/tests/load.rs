//! The load run of issue 8: 1,000 clients at once, 10% of code2Session calls answer -1, 5% of
//! login answers are lost and resent with the same code. Logins per second are printed, not
//! asserted (run with `--nocapture` to see them).

use std::time::Duration;

use wxlogin_demo::lab::load::{self, LoadPlan};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_clients_with_faults() {
    let plan = LoadPlan::default();
    let report = tokio::time::timeout(Duration::from_secs(120), load::run(&plan))
        .await
        .expect("the load run hung")
        .expect("the stack started");
    println!("{report}");
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(
        report.logged_in + report.expected_failures.len(),
        plan.clients,
        "every client ends logged in or with an expected error"
    );
    // The faults really happened, so the run proves something.
    assert!(
        report.injected_busy > 0 && report.injected_lost > 0,
        "{report}"
    );
    // Every lost answer was resent with the same code: one wx.login per client.
    assert_eq!(
        report.drivers.wx_login_calls, plan.clients as u64,
        "{report}"
    );
    assert_eq!(report.wechat.calls_after_use, 0);
    assert_eq!(report.wechat.code_used_answers, 0);
    assert_eq!(report.drivers.stale_answers, 0);
}
