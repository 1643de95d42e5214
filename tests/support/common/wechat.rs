//! A fake WeChat API for code2Session: it issues codes (for fake `wx.login`), accepts each
//! once, and answers with WeChat's real bodies and error codes (docs/protocol.md §3).

use std::collections::{HashSet, VecDeque};

use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};

pub const APPID: &str = "wx0123456789abcdef";
pub const BASE_URL: &str = "https://wechat.test";

/// What the fake WeChat does with one code2Session call, in script order.
#[derive(Clone, Debug)]
pub enum WeChatReply {
    /// What WeChat would say: a session, or 40029 / 40163 for unknown or used codes.
    Normal,
    /// This errcode, with a request id in its message.
    Errcode(i64),
    /// No answer: a transport error.
    Fail(TransportFailure),
}

#[derive(Default)]
pub struct FakeWeChat {
    issued: HashSet<String>,
    used: HashSet<String>,
    next_code: u64,
    pub script: VecDeque<WeChatReply>,
    /// Every code code2Session was asked about, in order.
    pub exchanged: Vec<String>,
}

impl FakeWeChat {
    pub fn issue_code(&mut self) -> String {
        self.next_code += 1;
        let code = format!("code{:04}", self.next_code);
        self.issued.insert(code.clone());
        code
    }

    pub fn answer(&mut self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let code = query_value(&request.url, "js_code").expect("code2Session carries js_code");
        self.exchanged.push(code.clone());
        let errcode = match self.script.pop_front().unwrap_or(WeChatReply::Normal) {
            WeChatReply::Fail(error) => return Err(error),
            WeChatReply::Errcode(errcode) => errcode,
            WeChatReply::Normal if !self.issued.contains(&code) => 40029,
            WeChatReply::Normal if !self.used.insert(code.clone()) => 40163,
            WeChatReply::Normal => {
                let n = self.used.len();
                let body = format!(
                    r#"{{"openid":"oUSER","session_key":"a2V5LWZvci1zZXNzaW9u{n:04}","unionid":"uUSER"}}"#
                );
                return Ok(HttpResponse::json(200, body.into_bytes()));
            }
        };
        let body = format!(r#"{{"errcode":{errcode},"errmsg":"refused, rid: 6555-{errcode}"}}"#);
        Ok(HttpResponse::json(200, body.into_bytes()))
    }

    pub fn times_exchanged(&self, code: &str) -> usize {
        self.exchanged.iter().filter(|c| *c == code).count()
    }
}

fn query_value(url: &str, key: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_owned)
}
