//! Rule 3: a code is used once, never past its life.

use super::*;

// ---- Rule 3: a code is used once, never past its life

#[test]
fn rule3_a_code_is_never_sent_twice() {
    let mut world = World::new(config());
    let used = error_json(ErrorKind::CodeUsed);
    world.login_answers = vec![Answer::Lost, Answer::Status(400, used)].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0002");
    assert_eq!(world.codes_sent, ["code0001", "code0002", "code0003"]);
    assert_eq!(world.wx_login_calls, 3);
}

#[test]
fn rule3_reuse_within_life_sends_the_same_code_after_a_lost_answer() {
    let mut config = config();
    config.code_reuse = CodeReuse::WithinCodeLife;
    let mut world = World::new(config);
    world.login_answers = vec![Answer::Lost].into();
    world.request(1);
    // The server's coordinator remembers the exchange: the resent code gets the session the
    // lost answer carried, WeChat sees the code once, and no second wx.login is needed.
    assert_eq!(world.codes_sent, ["code0001", "code0001"]);
    assert_eq!(world.wechat.exchanged, ["code0001"]);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.wx_login_calls, 1);
}

#[test]
fn rule3_a_code_older_than_five_minutes_is_replaced() {
    let mut config = config();
    config.code_reuse = CodeReuse::WithinCodeLife;
    config.timeouts.request = Duration::minutes(6);
    let mut world = World::new(config);
    world.login_answers = vec![Answer::Silent].into();
    world.request(1);
    assert_eq!(world.codes_sent, ["code0001", "code0002"]);
    assert_eq!(world.wx_login_calls, 2);
    assert!(world.outcome(1).is_ok());
}
