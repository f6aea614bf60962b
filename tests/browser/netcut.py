"""A TCP proxy between the browser and uvicorn whose "network" can be cut and restored.

Chromium's offline emulation (``context.set_offline``) fails new requests but leaves a response that is
already streaming untouched, so it cannot drop an answer mid-stream. This proxy can: :meth:`cut` resets
every open connection (RST) and refuses new ones until :meth:`restore`.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class CuttableProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (host, upstream_port)
        self.listener = socket.create_server((host, 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.cuts = 0
        self.refused = 0
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="netcut-accept").start()

    @property
    def base(self) -> str:
        return f"http://{self.upstream[0]}:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                self.refused += 1
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._socks.update((client, server))
            pending = [2]  # both directions must end before the pair is closed
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b, pending), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, pending: list[int]) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with self._lock:
            pending[0] -= 1
            last = pending[0] == 0
            if last:
                self._socks.discard(src)
                self._socks.discard(dst)
        if last:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        """Drop the network: reset every open connection, refuse new ones."""
        self.down.set()
        self.cuts += 1
        with self._lock:
            socks, self._socks = list(self._socks), set()
        for s in socks:
            _reset(s)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self._closed = True
        self.cut()
        with contextlib.suppress(OSError):
            self.listener.close()


def _reset(s: socket.socket) -> None:
    """Drop the connection at once: SO_LINGER 0 (no graceful drain), shut it down — which also wakes the
    proxy thread blocked reading it — and close it. The peer sees its connection end in the middle of a
    response (an incomplete chunked body), like a dropped network."""
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()
