//! The lab around the drivers: what a deployment does not copy.
//!
//! | module | concern |
//! |---|---|
//! | [`wechat`] | the fake WeChat API with fault switches and per-code counters |
//! | [`link`] | faults on the link between client and developer server (lost or slow answers) |
//! | [`trace`] | the shared trace every party logs to, which tests wait on |
//! | [`server`] | the developer server: `wxlogin-server`'s router and `GET /me`, with counters and a recording store |
//! | [`scenarios`] | the client scenarios of the summary table |
//! | [`load`] | the load run: many clients at once with injected faults |
//! | [`fleet`] | the multi-replica run: replicas on one Redis, a round-robin front, a kill and a Redis restart |
//! | [`stack`] | starts the three parties together for one scenario or run |

pub mod fleet;
pub mod link;
pub mod load;
pub mod scenarios;
pub mod server;
pub mod stack;
pub mod trace;
pub mod wechat;
