mod http;

pub use http::{MpResponse, RequestBuilder, ResponseExt, build_request, parse_query, parse_url};
