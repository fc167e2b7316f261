//! How the use cases' errors become API errors (status code and texts follow the variant).

use crate::AdminError;
use app::connect::ConnectError;
use app::init::InitError;
use app::members::MemberError;
use app::ports::StoreError;
use app::quota_reset::QuotaError;
use app::status::StatusError;

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AdminError::Conflict(format!(
                "someone else changed this at the same time ({m}); reload and try again"
            )),
            StoreError::Unavailable(m) => AdminError::StoreUnavailable(m),
            StoreError::Corrupt(m) => AdminError::Internal(m),
        }
    }
}

/// The use cases report store failures as text; keep the 503 for "unavailable".
fn store_text(m: String) -> AdminError {
    if m.contains("unavailable") {
        AdminError::StoreUnavailable(m)
    } else if m.contains("conditional write") {
        AdminError::Conflict(m)
    } else {
        AdminError::Internal(m)
    }
}

impl From<ConnectError> for AdminError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::UnknownApp(a) => AdminError::UnknownApp(a),
            ConnectError::BadState => AdminError::InvalidInput(e.to_string()),
            ConnectError::DifferentOrg { expected, got } => AdminError::Refused(
                domain::SyncError::new(domain::ErrorCode::OrgMismatch)
                    .detail(format!("{expected} (not {got})")),
            ),
            ConnectError::Locked => AdminError::Locked,
            ConnectError::Remote(s) => AdminError::Remote(s),
            ConnectError::Store(m) => store_text(m),
        }
    }
}

impl From<InitError> for AdminError {
    fn from(e: InitError) -> Self {
        match e {
            InitError::UnknownApp(a) => AdminError::UnknownApp(a),
            InitError::Window(m) => AdminError::InvalidInput(m),
            InitError::AlreadyRunning => AdminError::Locked,
            InitError::NotRunning | InitError::AlreadyDone => AdminError::Conflict(e.to_string()),
            InitError::Remote(s) => AdminError::Remote(s),
            InitError::Store(m) => store_text(m),
        }
    }
}

impl From<QuotaError> for AdminError {
    fn from(e: QuotaError) -> Self {
        match e {
            QuotaError::Store(s) => s.into(),
            QuotaError::UnknownApp(a) => AdminError::UnknownApp(a.to_string()),
            QuotaError::InvalidAllocation(m) | QuotaError::InvalidBreaker(m) => {
                AdminError::InvalidInput(m.to_owned())
            }
            QuotaError::RequeueFailed { .. } => AdminError::StoreUnavailable(e.to_string()),
        }
    }
}

impl From<MemberError> for AdminError {
    fn from(e: MemberError) -> Self {
        match e {
            MemberError::Remote(r) => AdminError::Remote(r.0),
            MemberError::Store(s) => s.into(),
            MemberError::UnknownUser(_) | MemberError::UnknownEmployee(_) => {
                AdminError::NotFound(e.to_string())
            }
            MemberError::UserAlreadyBound { .. }
            | MemberError::EmployeeTaken { .. }
            | MemberError::WouldDuplicate { .. } => AdminError::Conflict(e.to_string()),
        }
    }
}

impl From<app::ports::RemoteError> for AdminError {
    fn from(e: app::ports::RemoteError) -> Self {
        AdminError::Remote(e.0)
    }
}

impl From<StatusError> for AdminError {
    fn from(e: StatusError) -> Self {
        match e {
            StatusError::Store(s) => s.into(),
            StatusError::UnknownApp(a) => AdminError::UnknownApp(a.to_string()),
            StatusError::InvalidKey(k) => {
                AdminError::InvalidInput(format!("not a record key: {k:?}"))
            }
            StatusError::Quota(q) => q.into(),
        }
    }
}

impl From<app::status::SettleError> for AdminError {
    fn from(e: app::status::SettleError) -> Self {
        use app::status::SettleError;
        match e {
            SettleError::Store(s) => s.into(),
            SettleError::NotFound { .. } => AdminError::NotFound(e.to_string()),
            SettleError::Unbound(_) | SettleError::Unmapped(_) => {
                AdminError::Conflict(e.to_string())
            }
        }
    }
}
