//! The names of the client machine's states and events, without their data: the vocabulary
//! of errors, of the transition table and of its tests. A leaf: it imports nothing else of the
//! client.

/// What the machine is doing, for progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateKind {
    /// Nothing running and no verified session.
    Idle,
    /// A verified session is held and served from memory.
    Ready,
    /// Waiting for the storage record.
    ReadingStorage,
    /// Waiting for `wx.checkSession`.
    CheckingWxSession,
    /// Waiting for the developer server's session check.
    CheckingServerSession,
    /// Waiting for `wx.login`.
    ObtainingCode,
    /// Waiting for the developer server's login answer.
    LoggingIn,
    /// Waiting out a backoff delay before retrying a step, or for an abandoned effect to leave
    /// the world before starting one.
    WaitingToRetry,
}

impl StateKind {
    /// Every state, for exhaustive tests and documentation.
    pub const ALL: [StateKind; 8] = [
        StateKind::Idle,
        StateKind::Ready,
        StateKind::ReadingStorage,
        StateKind::CheckingWxSession,
        StateKind::CheckingServerSession,
        StateKind::ObtainingCode,
        StateKind::LoggingIn,
        StateKind::WaitingToRetry,
    ];

    /// The events this state accepts; any other is [`LoginError::UnexpectedEvent`](super::LoginError::UnexpectedEvent).
    pub fn expected(self) -> &'static [EventKind] {
        use EventKind::*;
        match self {
            StateKind::Idle | StateKind::Ready | StateKind::WaitingToRetry => {
                &[LoginRequested, SessionRejected, Logout]
            }
            StateKind::ReadingStorage => &[LoginRequested, StorageRead, SessionRejected, Logout],
            StateKind::CheckingWxSession => {
                &[LoginRequested, CheckSessionResult, SessionRejected, Logout]
            }
            StateKind::CheckingServerSession | StateKind::LoggingIn => {
                &[LoginRequested, ServerResponse, SessionRejected, Logout]
            }
            StateKind::ObtainingCode => &[LoginRequested, CodeObtained, SessionRejected, Logout],
        }
    }
}

/// The kind of an [`Event`](super::Event), without its data: used in errors and the
/// transition table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // Each variant names the event of the same name.
pub enum EventKind {
    LoginRequested,
    StorageRead,
    CheckSessionResult,
    CodeObtained,
    ServerResponse,
    SessionRejected,
    Logout,
}

impl EventKind {
    /// Every kind, for exhaustive tests and documentation.
    pub const ALL: [EventKind; 7] = [
        EventKind::LoginRequested,
        EventKind::StorageRead,
        EventKind::CheckSessionResult,
        EventKind::CodeObtained,
        EventKind::ServerResponse,
        EventKind::SessionRejected,
        EventKind::Logout,
    ];
}
