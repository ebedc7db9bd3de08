//! Turns Nagle's algorithm off on the store's TCP connections.
//!
//! sqlx 0.9.0 leaves it on (launchbadge/sqlx#4335, fixed after that release, and
//! 0.9.0 is the newest), so a statement larger than a TCP segment ends in a small
//! segment that waits for the server's delayed acknowledgement, about 40 ms.
//! Measured importing 200,000 leads over TCP: 9,400 rows/s, the server idle half the
//! time; over a Unix socket, which has no Nagle, 19,600. sqlx does not hand out its
//! socket, so each new connection finds its own among the process's descriptors (by
//! the port the server sees it on) and sets `TCP_NODELAY` on a duplicate of it
//! (`pidfd_getfd`), which shares the socket. Remove this once sqlx does it itself.

use std::net::SocketAddr;

use sqlx::PgConnection;

/// What became of the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nagle {
    /// `TCP_NODELAY` is now set on the connection's socket.
    Off,
    /// The connection is not over TCP (a Unix socket): nothing to do.
    NotTcp,
    /// The socket was not found among this process's (the server sees another port,
    /// as behind a proxy); Nagle stays on.
    NotFound,
}

/// Sets `TCP_NODELAY` on `conn`'s socket. A failure only leaves the connection
/// slower, so the caller logs it and goes on.
///
/// # Errors
/// When the server cannot be asked its port, or the system refuses the calls.
pub async fn disable(conn: &mut PgConnection) -> Result<Nagle, NagleError> {
    let Some(ports) = ports(conn).await? else {
        return Ok(Nagle::NotTcp);
    };
    with_socket(ports, |fd| rustix::net::sockopt::set_tcp_nodelay(fd, true))
        .map(|found| if found { Nagle::Off } else { Nagle::NotFound })
}

/// Whether `conn`'s socket has `TCP_NODELAY` set (`None`: not found, or not TCP).
///
/// # Errors
/// As [`disable`].
pub async fn is_off(conn: &mut PgConnection) -> Result<Option<bool>, NagleError> {
    let Some(ports) = ports(conn).await? else {
        return Ok(None);
    };
    let mut off = None;
    with_socket(ports, |fd| {
        off = Some(rustix::net::sockopt::tcp_nodelay(fd)?);
        Ok(())
    })?;
    Ok(off)
}

/// The connection's two ends as the server sees them: (ours, its), or `None` when
/// it is not over TCP.
async fn ports(conn: &mut PgConnection) -> Result<Option<(u16, u16)>, NagleError> {
    let (client, server): (Option<i32>, Option<i32>) =
        sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
            .fetch_one(conn)
            .await
            .map_err(NagleError::Query)?;
    let port = |p: Option<i32>| p.and_then(|p| u16::try_from(p).ok());
    Ok(port(client).zip(port(server)))
}

/// Calls `apply` on this process's TCP socket from local port `ours` to remote port
/// `theirs`; whether one was found.
fn with_socket(
    (ours, theirs): (u16, u16),
    mut apply: impl FnMut(&rustix::fd::OwnedFd) -> rustix::io::Result<()>,
) -> Result<bool, NagleError> {
    let this = rustix::process::pidfd_open(
        rustix::process::getpid(),
        rustix::process::PidfdFlags::empty(),
    )
    .map_err(NagleError::System)?;
    let entries = std::fs::read_dir("/proc/self/fd").map_err(NagleError::Proc)?;
    for entry in entries.flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(raw) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if !is_socket {
            continue;
        }
        // The descriptor may have closed since it was listed: skip it then.
        let Ok(fd) =
            rustix::process::pidfd_getfd(&this, raw, rustix::process::PidfdGetfdFlags::empty())
        else {
            continue;
        };
        let port = |addr: Option<rustix::net::SocketAddrAny>| {
            addr.and_then(|addr| SocketAddr::try_from(addr).ok())
                .map(|addr| addr.port())
        };
        // A listening or unconnected socket has no peer.
        if port(rustix::net::getsockname(&fd).ok()) == Some(ours)
            && port(rustix::net::getpeername(&fd).ok().flatten()) == Some(theirs)
        {
            apply(&fd).map_err(NagleError::System)?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Why Nagle could not be turned off.
#[derive(Debug, thiserror::Error)]
pub enum NagleError {
    /// The server did not say which port it sees.
    #[error("asking the server for the connection's port")]
    Query(#[source] sqlx::Error),
    /// `/proc/self/fd` could not be read.
    #[error("listing the process's descriptors")]
    Proc(#[source] std::io::Error),
    /// The system refused a call (an old kernel, or a sandbox).
    #[error("setting TCP_NODELAY")]
    System(#[source] rustix::io::Errno),
}
