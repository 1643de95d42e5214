//! Issue 11, items 4 to 6: whatever WeChat (or a proxy echoing the request) says, with whatever
//! status, neither the app secret nor the code reaches the client's body, an outcome, an error
//! or a `Debug`; a request id is kept only in WeChat's shape; user ids are bounded at the parse.
#![allow(clippy::unwrap_used)]

use crate::markers::{CODE, RID_SHAPED_SECRET as SECRET, TOKEN};
use crate::server_util;
use crate::wechat::app::{APPID, BASE_URL};
use crate::wechat::errcode;

use server_util::*;
use wxlogin::http::HttpResult;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::AccessTokenConfig;
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{
    CoordinatorConfig, ExchangeFailure, ExchangeOutcome, LoginCoordinator,
};
use wxlogin::server::phone::PhoneApi;
use wxlogin::server::wechat_api::ApiFailure;
use wxlogin::test_support::CodeExchange;
use wxlogin::test_support::MAX_ERRMSG_BYTES;
use wxlogin::test_support::TokenApi;

/// Every way WeChat's text can quote the secret and the code.
fn quotes() -> Vec<String> {
    let encoded = SECRET.replace('-', "%2D");
    vec![
        format!("invalid code, rid: {SECRET}"),
        format!("invalid code, hints: [ req_id: {CODE} ]"),
        format!("GET {BASE_URL}/sns/jscode2session?appid={APPID}&secret={SECRET}&js_code={CODE}&x"),
        format!("secret%3D{encoded}%26js_code%3D{CODE}"),
        format!(r#"{{"secret":"{SECRET}","js_code":"{CODE}"}}"#),
        format!("{} {SECRET}", "x".repeat(MAX_ERRMSG_BYTES - 8)),
        format!("{} {CODE}", "x".repeat(MAX_ERRMSG_BYTES - 6)),
        format!("{}&secret={SECRET}", "x".repeat(MAX_ERRMSG_BYTES - 10)),
    ]
}

/// The heads a cut could leave: the first five bytes of the secret and of the code.
fn assert_clean(what: &str, text: &str) {
    for marker in [&SECRET[..5], &CODE[..5]] {
        assert!(!text.contains(marker), "{marker} in {what}: {text}");
    }
}

/// Runs one login against `reply` on both machines; checks every text; returns the answer's
/// status, its JSON body and the outcome.
fn login_against(reply: HttpResponse) -> Vec<(u16, serde_json::Value, ExchangeOutcome)> {
    let replies = || std::iter::repeat_n(Reply::Answer(reply.clone()), 8);
    let mut single = Harness::new(CodeExchange::new(config())).script(replies());
    single.receive(1, login_body(CODE));
    single.answer_open();
    let single_debug = format!("{:?}", single.m);
    single.run();
    let coordinator = LoginCoordinator::new(CoordinatorConfig::new(config()));
    let mut joined = Harness::new(coordinator).script(replies());
    joined.receive(1, login_body(CODE));
    joined.answer_open();
    let coordinator_debug = format!("{:?}", joined.m);
    joined.run();
    let mut out = Vec::new();
    for (answer, machine) in [
        (single.answer_to(1).clone(), single_debug),
        (joined.answer_to(1).clone(), coordinator_debug),
    ] {
        let body = String::from_utf8(answer.response.body.clone()).unwrap();
        assert_clean("the client's body", &body);
        assert_clean("the machine's Debug", &machine);
        assert_clean("the outcome's Debug", &format!("{:?}", answer.outcome));
        if let ExchangeOutcome::Failed(failure) = &answer.outcome {
            assert_clean("the outcome's message", &failure.to_string());
        }
        let json = serde_json::from_str(&body).unwrap();
        out.push((answer.response.status, json, answer.outcome));
    }
    out
}

#[test]
fn a_rid_carrying_the_app_secret_never_reaches_the_client() {
    let errmsg = format!("invalid code, rid: {SECRET}");
    for (status, json, outcome) in login_against(errcode::answer(40029, &errmsg)) {
        assert_eq!(status, 400);
        assert_eq!(json["error"], "invalid_code");
        assert_eq!(json.get("rid"), None, "{json}");
        let ExchangeOutcome::Failed(ExchangeFailure::Refused(e)) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(e.rid, None);
        assert_eq!(e.errmsg, "invalid code, rid: [redacted]");
    }
}

#[test]
fn a_rid_in_wechats_shape_still_reaches_the_client() {
    let rid = "6502a6f1-1f2e3d4c-5b6a7988";
    for (_, json, _) in login_against(errcode::answer(
        40163,
        &format!("code been used, rid: {rid}"),
    )) {
        assert_eq!(json["rid"], rid);
    }
    let hints = "code been used, hints: [ req_id: GaHFAJ6ce-vGCl3a ]";
    for (_, json, _) in login_against(errcode::answer(40163, hints)) {
        assert_eq!(json["rid"], "GaHFAJ6ce-vGCl3a");
    }
}

#[test]
fn wechat_texts_of_every_status_and_errcode_are_scrubbed_on_the_login_path() {
    let statuses = [200, 400, 403, 404, 429, 500, 502, 503, 504];
    let errcodes = [-1, 40029, 40163, 45011, 45009, 40226, 40125, 40001, 99999];
    let mut seen = 0;
    for quote in quotes() {
        for status in statuses {
            for errcode in errcodes {
                let body = serde_json::json!({"errcode": errcode, "errmsg": quote});
                let reply = HttpResponse::json(status, body.to_string().into_bytes());
                seen += login_against(reply).len();
            }
            // Not JSON at all, and the transport's own message.
            seen += login_against(HttpResponse::json(status, quote.clone().into_bytes())).len();
        }
    }
    assert_eq!(
        seen,
        2 * quotes().len() * statuses.len() * (errcodes.len() + 1)
    );
}

#[test]
fn a_503_quoting_the_request_url_is_scrubbed_in_the_outcome_and_the_coordinator() {
    let quote = &quotes()[2];
    let body = serde_json::json!({"errcode": -1, "errmsg": quote});
    for (status, _, outcome) in
        login_against(HttpResponse::json(503, body.to_string().into_bytes()))
    {
        assert_eq!(status, 503);
        let ExchangeOutcome::Failed(ExchangeFailure::Unavailable { last, .. }) = outcome else {
            panic!("{outcome:?}")
        };
        let ApiFailure::Status {
            status: 503,
            wechat: Some(e),
        } = last
        else {
            panic!("{last:?}")
        };
        assert!(
            e.errmsg.contains("secret=[redacted]&js_code=[redacted]"),
            "{}",
            e.errmsg
        );
    }
}

#[test]
fn a_secret_straddling_the_errmsg_cut_leaves_no_head() {
    for fill in MAX_ERRMSG_BYTES - SECRET.len()..MAX_ERRMSG_BYTES {
        let errmsg = format!("{}{SECRET}", "x".repeat(fill));
        for (_, _, outcome) in login_against(errcode::answer(40125, &errmsg)) {
            let ExchangeOutcome::Failed(ExchangeFailure::Refused(e)) = outcome else {
                panic!("{outcome:?}")
            };
            assert!(e.errmsg.len() <= MAX_ERRMSG_BYTES);
            let rest = e.errmsg.replace("[redacted]", "");
            assert_eq!(rest.trim_end_matches('x'), "", "{fill}: {}", e.errmsg);
        }
    }
}

#[test]
fn transport_messages_quoting_the_url_are_scrubbed() {
    for quote in quotes() {
        for error in [
            TransportFailure::Connection {
                message: quote.clone(),
            },
            TransportFailure::Other { message: quote },
        ] {
            let replies = std::iter::repeat_n(Reply::Fail(error), 8);
            let mut h = Harness::new(CodeExchange::new(config())).script(replies);
            h.receive(1, login_body(CODE));
            h.run();
            assert_clean("the outcome", &format!("{:?}", h.answer_to(1).outcome));
        }
    }
}

#[test]
fn openid_and_unionid_are_bounded_at_the_parse() {
    let answer = |openid: &str, unionid: &str| {
        let body = serde_json::json!({"openid": openid, "session_key": "k", "unionid": unionid});
        HttpResponse::json(200, body.to_string().into_bytes())
    };
    let huge = "o".repeat(60_000);
    for reply in [answer(&huge, "u"), answer("o", &huge), answer("o o", "u")] {
        for (status, json, outcome) in login_against(reply) {
            assert_eq!(status, 503);
            assert_eq!(json["error"], "upstream_unavailable");
            assert!(
                matches!(
                    outcome,
                    ExchangeOutcome::Failed(ExchangeFailure::Unavailable {
                        last: ApiFailure::Malformed { .. },
                        ..
                    })
                ),
                "{outcome:?}"
            );
        }
    }
    let max = "o".repeat(64);
    for (status, _, outcome) in login_against(answer(&max, &max)) {
        assert_eq!(status, 200);
        let ExchangeOutcome::Granted {
            openid, unionid, ..
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!((openid.len(), unionid.map(|u| u.len())), (64, Some(64)));
    }
}

type Parse<'a> = Box<dyn Fn(&HttpResult) -> String + 'a>;

fn shown(e: &dyn std::fmt::Debug, d: &dyn std::fmt::Display) -> String {
    format!("{d} {e:?}")
}

fn wechat_kept(e: &ApiFailure) -> bool {
    e.wechat().is_some_and(|w| w.errcode == 40013)
}

/// Every API's parse, with whether its request carries the app secret; each parse asserts
/// WeChat's errcode is kept and returns what the failure shows.
fn apis<'a>(
    code2session: &'a Code2SessionApi,
    token_config: &'a AccessTokenConfig,
) -> Vec<(&'static str, bool, Parse<'a>)> {
    #[cfg_attr(not(feature = "crypto"), allow(unused_mut))]
    let mut apis: Vec<(&str, bool, Parse<'a>)> = vec![
        (
            "code2Session",
            true,
            Box::new(move |r| {
                let e = code2session.parse(r).unwrap_err();
                assert!(wechat_kept(&e), "{e:?}");
                shown(&e, &e)
            }),
        ),
        (
            "token",
            true,
            Box::new(move |r| {
                let e = TokenApi::new(token_config).parse(r).unwrap_err();
                assert!(wechat_kept(&e), "{e:?}");
                shown(&e, &e)
            }),
        ),
        (
            "phone",
            false,
            Box::new(|r| {
                let e = PhoneApi::new(APPID).parse(r).unwrap_err();
                let wxlogin::server::phone::PhoneFailure::Api(api) = &e else {
                    panic!("{e:?}")
                };
                assert!(wechat_kept(api), "{e:?}");
                shown(&e, &e)
            }),
        ),
    ];
    #[cfg(feature = "crypto")]
    {
        use wxlogin::server::session_key::{CheckSessionKeyApi, ResetSessionKeyApi};
        apis.push((
            "checkSessionKey",
            false,
            Box::new(|r| {
                let e = CheckSessionKeyApi::new().parse(r).unwrap_err();
                shown(&e, &e)
            }),
        ));
        apis.push((
            "resetUserSessionKey",
            false,
            Box::new(|r| {
                let e = ResetSessionKeyApi::new().parse(r).unwrap_err();
                shown(&e, &e)
            }),
        ));
    }
    apis
}

/// Issue 12: every API's `parse` is the one scrubbing parse. A non-200 answer quoting the
/// request's secrets, by shape and (where the API knows them) raw, keeps WeChat's errcode and
/// loses every secret, in `Display` and `Debug` alike.
#[test]
fn every_apis_parse_scrubs_a_secret_quoted_in_a_non_200_body() {
    let token_config = AccessTokenConfig::new(APPID, AppSecret::new(SECRET), 0);
    let code2session = Code2SessionApi::new(APPID, AppSecret::new(SECRET));
    let apis = apis(&code2session, &token_config);
    for (name, knows_the_secret, parse) in &apis {
        let mut quotes = vec![
            format!("bad request secret={SECRET}&access_token={TOKEN}"),
            format!(r#"echo {{"access_token":"{TOKEN}","session_key":"{SECRET}"}}"#),
            format!("{}&access_token={TOKEN}", "x".repeat(MAX_ERRMSG_BYTES - 20)),
        ];
        if *knows_the_secret {
            quotes.push(format!("invalid appid, {SECRET} rejected"));
            quotes.push(format!("{} {SECRET}", "x".repeat(MAX_ERRMSG_BYTES - 8)));
        }
        for quote in quotes {
            for status in [400, 403, 500, 502] {
                let body = serde_json::json!({"errcode": 40013, "errmsg": quote}).to_string();
                let text = parse(&Ok(HttpResponse::json(status, body.into_bytes())));
                for marker in [&SECRET[..5], &TOKEN[..5]] {
                    assert!(
                        !text.contains(marker),
                        "{name} {status}: {marker} in {text}"
                    );
                }
            }
        }
    }
}
