//! Every scenario of the summary table, one test each, over loopback HTTP.

use std::time::Duration;

use wxlogin_demo::lab::scenarios;

/// Outer bound on one test: a hang fails the test instead of stalling CI.
const LIMIT: Duration = Duration::from_secs(60);

async fn run(name: &str) {
    let all = scenarios::all();
    let scenario = all
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario named {name:?}"));
    let result = tokio::time::timeout(LIMIT, scenarios::run(scenario))
        .await
        .unwrap_or_else(|_| panic!("{name} hung"));
    let trace: Vec<String> = result.trace.iter().map(ToString::to_string).collect();
    assert!(
        result.verdict.ok,
        "{name}: {}\n{}",
        result.verdict.got,
        trace.join("\n")
    );
}

macro_rules! scenario_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                run($name).await;
            }
        )*

        #[test]
        fn every_scenario_has_a_test() {
            let tested = [$($name),*];
            for scenario in scenarios::all() {
                assert!(tested.contains(&scenario.name), "{} has no test", scenario.name);
            }
        }
    };
}

scenario_tests! {
    cold_start => "cold start",
    warm_start => "warm start",
    wechat_session_expired => "WeChat session expired",
    server_session_gone => "server session gone (401)",
    corrupt_storage_record => "corrupt storage record",
    thousand_callers => "1,000 callers at once",
    rejected_twice => "business call rejected twice",
    logout_during_wx_login => "logout during wx.login",
    wechat_busy_once => "WeChat busy (-1) once",
    wechat_minute_quota => "WeChat minute quota (45011)",
    high_risk_user => "high-risk user (40226)",
    wechat_answers_slowly => "WeChat answers slowly",
    wechat_drops_the_connection => "WeChat drops the connection",
    wx_login_fails_once => "wx.login fails once",
    answer_lost_same_code => "login answer lost, same code",
    answer_lost_fresh_code => "login answer lost, fresh code",
    answer_too_late => "login answer too late",
}
