"""The replay server's request log: one LoggedRequest per request it answered, and
host_concurrency, the most requests held at once per host (the politeness checks read it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate


@dataclass
class LoggedRequest:
    """One request the server answered (inside a TLS tunnel or not). Header names are lower-case."""
    time: float              # time.monotonic() when the request head had been read
    method: str
    scheme: str              # "https" inside a CONNECT tunnel, else "http"
    host: str                # lower-case, without port
    target: str              # path + query, e.g. "/cong-doan&s_cond=&BRSR=16"
    headers: dict = field(default_factory=dict)
    status: int | None = None   # None while the answer is being produced
    connection: int = 0         # serial number of the client connection (shows keep-alive reuse)
    sni: str | None = None      # TLS server name the client sent (https only)
    # time.monotonic() when the server began sending its answer (None: dropped, no answer)
    answered: float | None = None


def host_concurrency(requests) -> dict[str, int]:
    """Per host, the most requests the server held at once, received and not yet answered: the
    largest number of overlapping intervals ``[time, answered]`` (robots.txt included; a dropped
    request ends at its start). A client waiting for each whole answer before its next request
    scores 1: its next request leaves after the answer began. (Up to the end of sending it would
    count the server's own delay after its last write as overlap.)"""
    events: dict[str, list[tuple[float, int]]] = {}
    for request in requests:
        end = request.time if request.answered is None else max(request.answered, request.time)
        events.setdefault(request.host, []).extend([(request.time, 0), (end, 1)])
    # Sweep each host's starts (+1) and ends (-1) in time order, a start before an end at one time.
    return {host: max(accumulate(1 - 2 * kind for _when, kind in sorted(host_events)))
            for host, host_events in events.items()}
