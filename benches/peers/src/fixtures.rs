//! The bytes every side is given: WeChat's documented open-data example and two code2Session
//! answers. The open-data strings are the ones `tests/support/open_data_support` and
//! `benches/server.rs` use (WeChat's own demo, also in wechatpy's tests).

/// The app the official vector is watermarked for.
pub const APP_ID: &str = "wx4f4bc4dec97d474b";
/// The official demo's session key.
pub const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
/// The official demo's iv.
pub const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
/// The official demo's `encryptedData`: 400 bytes of ciphertext (a 393-byte plaintext).
pub const ENCRYPTED_DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";

/// The official rawData signature example: its rawData, session key and signature.
pub const RAW_DATA: &str = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
/// The session key of the signature example.
pub const SIGNATURE_KEY: &str = "HyVFkGl5F5OQWJZZaNzBBg==";
/// `sha1(RAW_DATA + SIGNATURE_KEY)` in hex, as the official example gives it.
pub const SIGNATURE: &str = "75e81ceda165f4ffa64f4068af58c64b8f54b88c";

/// code2Session's answer to a used or invalid code, as WeChat sends it (HTTP 200, with a rid).
pub const ERR_40029: &[u8] =
    br#"{"errcode":40029,"errmsg":"invalid code, rid: 6502a6f1-1f2e3d4c-5b6a7988"}"#;
/// code2Session's success answer, as WeChat sends it (with a unionid; no `errcode`).
pub const SUCCESS: &[u8] = br#"{"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"}"#;

/// The client's and the developer server's own wire (no peer has them; measured against the
/// floor only), as `benches/client.rs` builds them: the login answer with a 43-character token.
pub const LOGIN_RESPONSE: &[u8] =
    br#"{"token":"WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo","expires_in":7200}"#;
/// The session check's answer.
pub const SESSION_RESPONSE: &[u8] = br#"{"expires_in":5400}"#;
/// The login request the mini program sends, with a code of WeChat's length and alphabet.
pub const LOGIN_REQUEST: &[u8] = br#"{"code":"081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2"}"#;
/// The stored record of a session issued ten minutes before [`NOW`], valid for another hour.
pub const STORED_RECORD: &str = r#"{"v":1,"token":"WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo","expires_at":1700003600,"issued_at":1699999400}"#;
/// The clock for the stored record (2023-11-14T22:13:20Z).
pub const NOW: i64 = 1_700_000_000;
