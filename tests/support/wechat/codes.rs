//! code2Session as a world: the fake WeChat issues codes (for a fake `wx.login`), accepts each
//! once, and answers with WeChat's real bodies and error codes (docs/protocol.md §3).

use std::collections::{HashSet, VecDeque};

use wxlogin::http::{HttpRequest, HttpResponse, TransportFailure};

use super::code2session;
use super::errcode;

/// What the fake WeChat does with one code2Session call, in script order.
#[derive(Clone, Debug)]
pub(crate) enum WeChatReply {
    /// What WeChat would say: a session, or 40029 / 40163 for unknown or used codes.
    Normal,
    /// This errcode, with a request id in its message.
    Errcode(i64),
}

#[derive(Default)]
pub(crate) struct FakeWeChat {
    issued: HashSet<String>,
    used: HashSet<String>,
    next_code: u64,
    pub(crate) script: VecDeque<WeChatReply>,
    /// Every code code2Session was asked about, in order.
    pub(crate) exchanged: Vec<String>,
}

impl FakeWeChat {
    pub(crate) fn issue_code(&mut self) -> String {
        self.next_code += 1;
        let code = format!("code{:04}", self.next_code);
        self.issued.insert(code.clone());
        code
    }

    pub(crate) fn answer(
        &mut self,
        request: &HttpRequest,
    ) -> Result<HttpResponse, TransportFailure> {
        let code = query_value(&request.url, "js_code").expect("code2Session carries js_code");
        self.exchanged.push(code.clone());
        let errcode = match self.script.pop_front().unwrap_or(WeChatReply::Normal) {
            WeChatReply::Errcode(errcode) => errcode,
            WeChatReply::Normal if !self.issued.contains(&code) => 40029,
            WeChatReply::Normal if !self.used.insert(code.clone()) => 40163,
            WeChatReply::Normal => {
                let key = format!("a2V5LWZvci1zZXNzaW9u{:04}", self.used.len());
                return Ok(code2session::answer("oUSER", &key, Some("uUSER")));
            }
        };
        let errmsg = format!("refused, rid: 6555-{errcode}");
        Ok(errcode::answer(errcode, &errmsg))
    }

    pub(crate) fn times_exchanged(&self, code: &str) -> usize {
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
