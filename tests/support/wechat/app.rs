//! The one mini program the fake WeChat serves: its appid and where its API lives.

/// The appid of every configuration the scenario tests build.
pub(crate) const APPID: &str = "wxAPPID0001";
/// The base URL of the fake WeChat API.
pub(crate) const BASE_URL: &str = "https://wechat.test";
