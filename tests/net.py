"""Servers a test starts listen on a port the system hands out, never a fixed one."""

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
