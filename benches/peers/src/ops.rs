//! The operations and the sides that run them. Every side receives what its HTTP client would
//! hand it (an owned body, or a response owning one), built before the clock starts, and
//! consumes and drops it inside the measured region; so does its result.

use std::cell::RefCell;
use std::hint::black_box;

use serde::de::IgnoredAny;
use time::OffsetDateTime;
use wxlogin::WaiterId;
use wxlogin::client::{Command, Event, LoginConfig, LoginMachine, VerifyPolicy};
use wxlogin::http::{HttpResponse, HttpResult};
use wxlogin::secret::{AppSecret, SessionKey, StorageValue};
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::open_data::{DecryptOptions, UserInfo, decrypt, verify_raw_data_signature};
use wxlogin::server::wechat_api::ApiFailure;
use wxlogin::test_support::{StoredLookup, StoredSession};
use wxlogin::wire::{decode_login_request, decode_login_response, decode_session_response};

use crate::fixtures::*;

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// The official open-data vector, decrypted into a typed user.
    Decrypt,
    /// code2Session's errcode 40029 answer, parsed into an error.
    Err40029,
    /// code2Session's success answer, parsed into a session.
    Success,
    /// The official rawData signature, verified (no Rust peer has one; wechatpy has).
    Signature,
    /// The client's parser of the login answer (ours and the floor only, as below).
    LoginResponse,
    /// The client's parser of the session check's answer.
    SessionResponse,
    /// The server's parser of the login request.
    LoginRequest,
    /// The client's reader of its stored record.
    StoredRecord,
    /// `LoginRequested` on a verified session, through to its `Complete`; the floor is what
    /// serving it needed before issue 14 (a one-waiter `Vec` and a copy of the token's text).
    Served,
}

impl Op {
    /// Every operation, in the order printed.
    pub const ALL: [Op; 9] = [
        Op::Decrypt,
        Op::Err40029,
        Op::Success,
        Op::Signature,
        Op::LoginResponse,
        Op::SessionResponse,
        Op::LoginRequest,
        Op::StoredRecord,
        Op::Served,
    ];

    /// The name on the command line and in the output.
    pub fn name(self) -> &'static str {
        match self {
            Op::Decrypt => "decrypt",
            Op::Err40029 => "err40029",
            Op::Success => "success",
            Op::Signature => "signature",
            Op::LoginResponse => "login-response",
            Op::SessionResponse => "session-response",
            Op::LoginRequest => "login-request",
            Op::StoredRecord => "stored-record",
            Op::Served => "served",
        }
    }

    /// The operation called `name`.
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// Who runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// This crate, through its public API.
    Wxlogin,
    /// open-wechat 1.1.1.
    OpenWechat,
    /// wechat-minapp 3.4.3 (a fork of open-wechat).
    WechatMinapp,
    /// The floor: `serde_json::from_slice::<IgnoredAny>` over the same body; for decrypt,
    /// base64 of key, iv and data, AES-128-CBC, the padding cut, then `IgnoredAny` over the
    /// plaintext (no watermark check, no typed payload, no zeroising); for signature, the
    /// SHA-1 of rawData and the key alone (no hex decoding, no comparison).
    Floor,
}

impl Side {
    /// Every side, in the order printed.
    pub const ALL: [Side; 4] = [
        Side::Wxlogin,
        Side::OpenWechat,
        Side::WechatMinapp,
        Side::Floor,
    ];

    /// The name on the command line and in the output.
    pub fn name(self) -> &'static str {
        match self {
            Side::Wxlogin => "wxlogin",
            Side::OpenWechat => "open-wechat",
            Side::WechatMinapp => "wechat-minapp",
            Side::Floor => "floor",
        }
    }

    /// The side called `name`.
    pub fn from_name(name: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|side| side.name() == name)
    }
}

/// Runs one operation many times: a timer, or a callgrind driver.
pub trait Runner {
    /// Runs `op` on inputs made by `make` (made before measuring); returns a figure per call.
    fn run<I, R>(&mut self, make: impl FnMut() -> I, op: impl Fn(I) -> R) -> f64;
}

/// What every side holds before it is handed an input: keys, credentials, the API.
pub struct Setup {
    api: Code2SessionApi,
    key: SessionKey,
    signature_key: SessionKey,
    options: DecryptOptions,
    now: OffsetDateTime,
    open_wechat: open_wechat::credential::Credential,
    wechat_minapp: wechat_minapp::user::credential::Credential,
    /// A client machine holding a verified session (from the stored record).
    ready: RefCell<LoginMachine>,
}

impl Setup {
    /// The state each side keeps between calls.
    pub fn new() -> Setup {
        // Each peer's credential as its own login leaves it: the session key is kept as base64
        // text and decoded by every `decrypt` call, as ours is.
        let open_wechat = open_wechat_parse(SUCCESS.to_vec()).expect("open-wechat reads success");
        let wechat_minapp = wechat_minapp_parse(minapp_response(SUCCESS)).expect("success");
        Setup {
            api: Code2SessionApi::new(APP_ID, AppSecret::new("0123456789abcdef0123456789abcdef")),
            key: SessionKey::new(SESSION_KEY),
            signature_key: SessionKey::new(SIGNATURE_KEY),
            options: DecryptOptions::new(),
            now: OffsetDateTime::from_unix_timestamp(NOW).expect("a valid instant"),
            open_wechat,
            wechat_minapp,
            ready: RefCell::new(ready_machine()),
        }
    }

    /// Runs `op` on `side` through `runner`; `None` when that side has no such operation.
    pub fn dispatch(&self, op: Op, side: Side, runner: &mut impl Runner) -> Option<f64> {
        let body = match op {
            Op::Err40029 => ERR_40029,
            Op::Success => SUCCESS,
            Op::LoginResponse => LOGIN_RESPONSE,
            Op::SessionResponse => SESSION_RESPONSE,
            Op::LoginRequest => LOGIN_REQUEST,
            Op::StoredRecord => STORED_RECORD.as_bytes(),
            Op::Decrypt | Op::Signature | Op::Served => b"",
        };
        let figure = match (op, side) {
            (Op::Decrypt, Side::Wxlogin) => runner.run(
                || (),
                |()| decrypt::<UserInfo>(APP_ID, &self.key, bb(ENCRYPTED_DATA), IV, &self.options),
            ),
            (Op::Decrypt, Side::OpenWechat) => {
                runner.run(|| (), |()| self.open_wechat.decrypt(bb(ENCRYPTED_DATA), IV))
            }
            (Op::Decrypt, Side::WechatMinapp) => runner.run(
                || (),
                |()| self.wechat_minapp.decrypt(bb(ENCRYPTED_DATA), IV),
            ),
            (Op::Decrypt, Side::Floor) => runner.run(|| (), |()| decrypt_floor(bb(ENCRYPTED_DATA))),
            (Op::Signature, Side::Floor) => runner.run(|| (), |()| signature_floor(bb(RAW_DATA))),
            (Op::Signature, Side::Wxlogin) => runner.run(
                || (),
                |()| verify_raw_data_signature(bb(RAW_DATA), &self.signature_key, SIGNATURE),
            ),
            (Op::Err40029 | Op::Success, Side::Wxlogin) => runner.run(
                || wxlogin_response(body),
                |response| self.api.parse(&response),
            ),
            (Op::Err40029 | Op::Success, Side::OpenWechat) => {
                runner.run(|| body.to_vec(), open_wechat_parse)
            }
            (Op::Err40029 | Op::Success, Side::WechatMinapp) => {
                runner.run(|| minapp_response(body), wechat_minapp_parse)
            }
            (Op::LoginResponse, Side::Wxlogin) => runner.run(
                || wxlogin_response(body).expect("built Ok"),
                |response| decode_login_response(&response),
            ),
            (Op::SessionResponse, Side::Wxlogin) => runner.run(
                || wxlogin_response(body).expect("built Ok"),
                |response| decode_session_response(&response),
            ),
            (Op::LoginRequest, Side::Wxlogin) => {
                runner.run(|| body.to_vec(), |body| decode_login_request(&body))
            }
            (Op::StoredRecord, Side::Wxlogin) => runner.run(
                || STORED_RECORD.to_owned(),
                |record| StoredSession::lookup(Some(&record), self.now),
            ),
            (Op::Served, Side::Wxlogin) => runner.run(
                || WaiterId(7),
                |waiter| {
                    let mut machine = self.ready.borrow_mut();
                    let handled = machine.handle(Event::LoginRequested { waiter }, self.now);
                    (handled, machine.poll_command())
                },
            ),
            (Op::Served, Side::Floor) => {
                let ready = self.ready.borrow();
                let session = ready.session().expect("a verified session");
                runner.run(
                    || WaiterId(7),
                    |waiter| {
                        let session = black_box(session);
                        let token = session.token.expose_secret().to_owned();
                        (vec![waiter], token, session.expires_at)
                    },
                )
            }
            (
                Op::Err40029
                | Op::Success
                | Op::LoginResponse
                | Op::SessionResponse
                | Op::LoginRequest
                | Op::StoredRecord,
                Side::Floor,
            ) => runner.run(
                || body.to_vec(),
                |body| serde_json::from_slice::<IgnoredAny>(&body),
            ),
            (
                Op::Signature
                | Op::LoginResponse
                | Op::SessionResponse
                | Op::LoginRequest
                | Op::StoredRecord
                | Op::Served,
                Side::OpenWechat | Side::WechatMinapp,
            ) => return None,
        };
        Some(figure)
    }

    /// Panics unless every side gives the expected answer on every operation.
    pub fn check(&self) {
        let user = decrypt::<UserInfo>(APP_ID, &self.key, ENCRYPTED_DATA, IV, &self.options)
            .expect("ours");
        assert_eq!(
            (user.data.nick_name.as_str(), user.data.city.as_str()),
            ("Band", "Guangzhou")
        );
        let theirs = self
            .open_wechat
            .decrypt(ENCRYPTED_DATA, IV)
            .expect("open-wechat");
        assert_eq!((theirs.nickname(), theirs.app_id()), ("Band", APP_ID));
        let theirs = self
            .wechat_minapp
            .decrypt(ENCRYPTED_DATA, IV)
            .expect("wechat-minapp");
        assert_eq!((theirs.nickname(), theirs.app_id()), ("Band", APP_ID));
        assert_eq!(decrypt_floor(ENCRYPTED_DATA).ok(), Some(IgnoredAny));
        assert_eq!(
            verify_raw_data_signature(RAW_DATA, &self.signature_key, SIGNATURE),
            Ok(())
        );
        let digest: String = signature_floor(RAW_DATA)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, SIGNATURE);

        match self.api.parse(&wxlogin_response(ERR_40029)) {
            Err(ApiFailure::WeChat(e)) => {
                assert_eq!(
                    (e.errcode, e.rid.as_deref()),
                    (40029, Some("6502a6f1-1f2e3d4c-5b6a7988"))
                );
            }
            other => panic!("ours on 40029: {other:?}"),
        }
        assert!(matches!(
            open_wechat_parse(ERR_40029.to_vec()),
            Err(open_wechat::error::Error::InvalidCode(_))
        ));
        assert!(matches!(
            wechat_minapp_parse(minapp_response(ERR_40029)),
            Err(wechat_minapp::error::Error::InvalidCode(_))
        ));

        let session = self
            .api
            .parse(&wxlogin_response(SUCCESS))
            .expect("ours on success");
        assert_eq!(session.openid, "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
        assert_eq!(self.open_wechat.open_id(), "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
        assert_eq!(self.wechat_minapp.open_id(), "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
        self.check_wire();
    }
}

impl Setup {
    fn check_wire(&self) {
        let granted = decode_login_response(&wxlogin_response(LOGIN_RESPONSE).expect("Ok"));
        assert_eq!(granted.expect("login answer").expires_in, 7200);
        let valid = decode_session_response(&wxlogin_response(SESSION_RESPONSE).expect("Ok"));
        assert_eq!(valid.expect("session answer").expires_in, 5400);
        assert!(decode_login_request(LOGIN_REQUEST).is_ok());
        let found = StoredSession::lookup(Some(STORED_RECORD), self.now);
        assert!(
            matches!(found, StoredLookup::Valid(_)),
            "stored record: {found:?}"
        );
        let mut machine = self.ready.borrow_mut();
        let _ = machine.handle(
            Event::LoginRequested {
                waiter: WaiterId(7),
            },
            self.now,
        );
        assert!(
            matches!(
                machine.poll_command(),
                Some(Command::Complete { outcome: Ok(_), .. })
            ),
            "a verified session is served"
        );
    }
}

impl Default for Setup {
    fn default() -> Self {
        Setup::new()
    }
}

/// A client machine that read the stored record and trusts it until it expires: the next
/// `LoginRequested` is served from memory.
fn ready_machine() -> LoginMachine {
    let now = OffsetDateTime::from_unix_timestamp(NOW).expect("a valid instant");
    let mut config = LoginConfig::new("https://api.example.com");
    config.verify = VerifyPolicy::TrustUntilExpiry;
    let mut machine = LoginMachine::new(config);
    let _ = machine.handle(
        Event::LoginRequested {
            waiter: WaiterId(0),
        },
        now,
    );
    while let Some(command) = machine.poll_command() {
        if let Command::ReadStorage { id, .. } = command {
            let value = Some(StorageValue::new(STORED_RECORD));
            let _ = machine.handle(Event::StorageRead { id, value }, now);
        }
    }
    assert!(machine.valid_session(now).is_some(), "the record was read");
    machine
}

/// The least any decrypt of this vector does; `Err` on any failure (never for the vector).
fn decrypt_floor(data: &str) -> Result<IgnoredAny, ()> {
    use aes::cipher::{BlockModeDecrypt, KeyIvInit};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    let mut key = [0u8; 16];
    let mut iv = [0u8; 16];
    let mut scratch = [0u8; 18];
    for (text, out) in [(SESSION_KEY, &mut key), (IV, &mut iv)] {
        let n = STANDARD
            .decode_slice(bb(text), &mut scratch)
            .map_err(drop)?;
        out.copy_from_slice(scratch.get(..n).filter(|s| s.len() == 16).ok_or(())?);
    }
    let mut buffer = STANDARD.decode(data).map_err(drop)?;
    let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut buffer[..]);
    cbc::Decryptor::<aes::Aes128>::new(&key.into(), &iv.into()).decrypt_blocks(blocks);
    let pad = usize::from(*buffer.last().ok_or(())?);
    let plaintext = buffer
        .get(..buffer.len().checked_sub(pad).ok_or(())?)
        .ok_or(())?;
    serde_json::from_slice::<IgnoredAny>(plaintext).map_err(drop)
}

/// The least any check of the rawData signature does: the SHA-1 of rawData and the key's text.
fn signature_floor(raw_data: &str) -> [u8; 20] {
    use sha1::{Digest, Sha1};
    Sha1::new()
        .chain_update(raw_data)
        .chain_update(SIGNATURE_KEY)
        .finalize()
        .into()
}

fn bb(text: &'static str) -> &'static str {
    black_box(text)
}

/// Ours as a driver hands it over: the HTTP result, owning its body. No side reads headers,
/// so none is given any: each input owns exactly one allocation, its body.
fn wxlogin_response(body: &[u8]) -> HttpResult {
    let mut response = HttpResponse::json(200, body.to_vec());
    response.headers = Vec::new();
    Ok(response)
}

/// What `open_wechat::client::Client::login` does after reqwest has the body: the status is
/// 2xx, `response.json()` (that is `serde_json::from_slice`), `extract()`, `build()`.
fn open_wechat_parse(body: Vec<u8>) -> open_wechat::Result<open_wechat::credential::Credential> {
    use open_wechat::credential::CredentialBuilder;
    use open_wechat::response::Response;
    let response = serde_json::from_slice::<Response<CredentialBuilder>>(&body)?;
    Ok(response.extract()?.build())
}

/// wechat-minapp's `HttpClient` hands `User::login` an `http::Response<Vec<u8>>`, which it
/// parses with `ResponseExt::to_json` (status 200, no headers, as for every side).
fn minapp_response(body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::new(body.to_vec())
}

/// `User::login`'s last line.
fn wechat_minapp_parse(
    response: http::Response<Vec<u8>>,
) -> wechat_minapp::Result<wechat_minapp::user::credential::Credential> {
    use wechat_minapp::utils::ResponseExt;
    response.to_json::<wechat_minapp::user::credential::Credential>()
}
