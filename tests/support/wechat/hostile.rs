//! The hostile WeChat of the `server_login` fuzz harness: what WeChat (or a proxy, or an HTTP
//! client) may say to code2Session, with every status and errcode, quoting the secrets, the
//! code and a session key in every shape, cut anywhere.

use wxlogin::http::{HttpResponse, TransportFailure};

use super::code2session;
use crate::harness::Bytes;
use crate::markers::{SESSION_KEY, TOKEN};

/// What a hostile WeChat (or a proxy, or an HTTP client) says: every status, every errcode,
/// texts quoting the secret, the code and a session key in every shape, cut anywhere.
pub(crate) fn hostile_answer(
    bytes: &mut Bytes<'_>,
    secret: &str,
    code: &str,
) -> Result<HttpResponse, TransportFailure> {
    let text = hostile_text(bytes, secret, code);
    let errcode = match bytes.pick(12) {
        n @ 0..=10 => [
            -1, 0, 40029, 40163, 45011, 45009, 40226, 40125, 40001, 89503, 99999,
        ][usize::from(n)],
        _ => i64::from(bytes.u16()) - 32_768,
    };
    let status = match bytes.pick(8) {
        n @ 0..=5 => [200, 200, 400, 404, 500, 503][usize::from(n)],
        6 => 502,
        _ => bytes.u16(),
    };
    let envelope = serde_json::json!({ "errcode": errcode, "errmsg": text }).to_string();
    Ok(match bytes.pick(10) {
        0 => code2session::answer(&format!("o{}", bytes.byte()), SESSION_KEY, None),
        1 => {
            // User ids around their 64-byte bound.
            let [openid, unionid] =
                [0, 0].map(|_| "u".repeat([1, 28, 64, 65, 60_000][usize::from(bytes.pick(5))]));
            let ok = serde_json::json!({"openid": openid, "session_key": SESSION_KEY, "unionid": unionid});
            HttpResponse::json(200, ok.to_string().into_bytes())
        }
        2 => return Err(TransportFailure::Connection { message: text }),
        3 => return Err(TransportFailure::Other { message: text }),
        4 => return Err(TransportFailure::Timeout),
        5 => HttpResponse::json(status, text.into_bytes()),
        6 => HttpResponse::json(status, bytes.text(100).into_bytes()),
        7 => HttpResponse::json(
            status,
            format!("{envelope}{}", " ".repeat(70_000)).into_bytes(),
        ),
        _ => HttpResponse::json(status, envelope.into_bytes()),
    })
}

fn hostile_text(bytes: &mut Bytes<'_>, secret: &str, code: &str) -> String {
    let fill = match bytes.pick(4) {
        0 => 0,
        1 => usize::from(bytes.byte()),
        // Around the 512-byte cut of errmsg, so a secret straddles it.
        _ => 480 + usize::from(bytes.pick(40)),
    };
    let encoded: String = secret
        .bytes()
        .map(|b| match b {
            b'+' => "%2B".to_owned(),
            b'/' => "%2F".to_owned(),
            b'=' => "%3D".to_owned(),
            b => char::from(b).to_string(),
        })
        .collect();
    let quoted = match bytes.pick(9) {
        0 => secret.to_owned(),
        1 => encoded,
        2 => format!("GET /sns/jscode2session?appid=wx&secret={secret}&js_code={code}&x=1"),
        3 => format!("invalid code, rid: {secret}"),
        4 => format!("invalid code, hints: [ req_id: {code} ]"),
        5 => format!("rid: {code}"),
        6 => format!(r#"{{"session_key":"{SESSION_KEY}","access_token":"{TOKEN}9"}}"#),
        7 => format!("signature={SESSION_KEY}&code={code}"),
        _ => bytes.text(40),
    };
    let tail = bytes.text(16);
    format!("{}{quoted}{tail}", "x".repeat(fill))
}
