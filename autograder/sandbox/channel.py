"""Length-prefixed JSON messages over a Unix socket, with deadlines."""
from __future__ import annotations

import socket
import struct
import time

from .codec import dumps, loads

HEADER = struct.Struct("!Q")
DEFAULT_MAX_MESSAGE = 256 * 1024 * 1024


class ChannelClosed(EOFError):
    """The other end went away (exited, crashed or was killed)."""


class ChannelTimeout(TimeoutError):
    """No answer before the deadline."""


class MessageTooLarge(ValueError):
    """The other end announced a message over the size limit."""


class Channel:
    def __init__(self, sock: socket.socket, max_message: int = DEFAULT_MAX_MESSAGE, skip_oversized: bool = False):
        self.sock = sock
        self.max_message = max_message
        # Between the grader's own processes, an oversized message is read past (and MessageTooLarge
        # raised), so the next message can still be read; from a student process, whose announced
        # size may never arrive, it is not: the caller ends that process.
        self.skip_oversized = skip_oversized
        self.buffer = bytearray()
        self.timeout: float | None = -1.0

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, message: dict, deadline: float | None = None) -> None:
        payload = dumps(message)
        self._set_timeout(deadline)
        try:
            self.sock.sendall(HEADER.pack(len(payload)) + payload)
        except socket.timeout:
            raise ChannelTimeout("send timed out") from None
        except (BrokenPipeError, ConnectionResetError, OSError) as exc:
            raise ChannelClosed(str(exc)) from None

    def recv(self, deadline: float | None = None) -> dict:
        (size,) = HEADER.unpack(self._recv_exact(HEADER.size, deadline))
        if size > self.max_message:
            if self.skip_oversized:
                self._skip(size, deadline)
            raise MessageTooLarge(f"message of {size} bytes exceeds the {self.max_message}-byte limit")
        return loads(self._recv_exact(size, deadline))

    def _set_timeout(self, deadline: float | None) -> None:
        timeout = None
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                raise ChannelTimeout("deadline passed")
        if timeout != self.timeout:
            self.sock.settimeout(timeout)
            self.timeout = timeout

    def _skip(self, size: int, deadline: float | None) -> None:
        """Read `size` bytes and drop them, a piece at a time (never all in memory)."""
        while size > 0:
            piece = min(size, 1 << 20)
            self._recv_exact(piece, deadline)
            size -= piece

    def _recv_exact(self, size: int, deadline: float | None) -> bytes:
        # One recv usually brings header and body together; keep what is extra.
        while len(self.buffer) < size:
            self._set_timeout(deadline)
            try:
                chunk = self.sock.recv(max(size - len(self.buffer), 1 << 16))
            except socket.timeout:
                raise ChannelTimeout("no answer before the deadline") from None
            except (ConnectionResetError, OSError) as exc:
                raise ChannelClosed(str(exc)) from None
            if not chunk:
                raise ChannelClosed("the other end closed the connection")
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data
