"""PTB's network layer on aiohttp: the same requests as PTB's default (httpx), for a fraction of the CPU.

Measured with bench/bot_load.py: under load the default httpx stack spent most of the bot's CPU in
its connection pool. aiohttp keeps connections alive as well and supports HTTP(S) proxies.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# 502 and 503 come from the front of the Bot API (or a relay) when the server behind it is down or
# refuses work: the request was not processed. 500 and 504 may come after processing: not in this set.
NOT_PROCESSED = frozenset({502, 503})


class NotSent(NetworkError):
    """The request certainly did not reach the Bot API server, so sending it again cannot duplicate it."""

    not_sent = True


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 16,
        proxy: str | None = None,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
        media_write_timeout: float | None = 20.0,
    ):
        self._pool_size = connection_pool_size
        self._proxy = proxy or None
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        params = request_data.json_parameters if request_data else None

        def pick(value: object, default: float | None) -> float | None:
            return default if isinstance(value, DefaultValue) else value  # type: ignore[return-value]  # PTB types its timeouts as object (ODVInput)

        read = pick(read_timeout, self._read_timeout)
        write = pick(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = pick(connect_timeout, self._connect_timeout)
        pool = pick(pool_timeout, self._pool_timeout)
        # aiohttp has no separate write timeout: bound the whole request by the sum of its phases.
        parts = [t for t in (read, write, connect, pool) if t is not None]
        timeout = aiohttp.ClientTimeout(total=sum(parts) if len(parts) == 4 else None, sock_connect=connect, sock_read=read)
        body: aiohttp.FormData | dict[str, str] | None = None
        if files:
            form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names as httpx and Telegram expect
            for key, value in (params or {}).items():
                form.add_field(key, value)
            for key, upload in files.items():
                if isinstance(upload, tuple):
                    filename, content, mime = upload
                    form.add_field(key, content, filename=filename, content_type=mime)
                else:
                    form.add_field(key, upload)
            body = form
        elif params:
            body = params
        try:
            async with self._session.request(method, url, data=body, timeout=timeout, proxy=self._proxy) as response:
                if response.status in NOT_PROCESSED:
                    raise NotSent(f"HTTP {response.status}: the Bot API did not take the request")
                return response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as err:
            # refused, DNS, TLS handshake, or no connection within the connect timeout: not one byte of
            # the request reached the server
            raise NotSent(f"aiohttp.{err.__class__.__name__}: {err}") from err
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
