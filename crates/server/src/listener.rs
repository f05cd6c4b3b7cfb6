//! Listening sockets: one per worker, all bound to the same address with `SO_REUSEPORT` so
//! the kernel spreads connections across workers.

use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;

/// A non-blocking listening socket on `addr`, shareable with other workers.
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(false)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}
