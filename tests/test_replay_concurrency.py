"""`LoggedRequest.answered` and `replay.server.host_concurrency`: how many requests a host had in flight
at once, read from the replay's request log (the cluster's politeness check). Real requests through
a real ReplayServer; the `slow` fault holds each answer so that concurrent requests do overlap."""
from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.request

import pytest

from replay.faults import Faults
from replay.server import LoggedRequest, ReplayServer, host_concurrency

SLOW = 0.3      # seconds the replay holds each baolaocai.vn answer


def _logged(host: str, start: float, done: float | None, target: str = "/") -> LoggedRequest:
    return LoggedRequest(time=start, method="GET", scheme="https", host=host, target=target,
                         status=200 if done is not None else None, answered=done)


def test_overlapping_intervals_per_host():
    requests = [
        _logged("a.vn", 0.0, 1.0), _logged("a.vn", 0.5, 2.0), _logged("a.vn", 0.9, 0.95),   # 3
        _logged("a.vn", 2.0, 3.0),          # touches the end of the second one: closed intervals
        _logged("b.vn", 0.0, 1.0), _logged("b.vn", 1.5, 2.5),                                # 1
        _logged("c.vn", 5.0, None),         # dropped: ends at its start
        _logged("d.vn", 0.0, 1.0), _logged("d.vn", 0.5, None, "/robots.txt"),                # 2
    ]
    assert host_concurrency(requests) == {"a.vn": 3, "b.vn": 1, "c.vn": 1, "d.vn": 2}
    assert host_concurrency([]) == {}


@pytest.fixture(scope="module")
def slow_replay():
    faults = Faults({"baolaocai.vn": "slow", "tuoitrethudo.vn": "reset", "laodong.vn": "truncated"},
                    slow_seconds=SLOW)
    with ReplayServer(faults=faults) as server:
        yield server
    faults.stop()


def _get(server: ReplayServer, url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
    with opener.open(url, timeout=10) as response:
        response.read()
        return response.status


def test_concurrent_requests_to_one_host_overlap_in_the_log(slow_replay):
    slow_replay.clear_requests()
    barrier = threading.Barrier(3)
    statuses = []

    def fetch(n):
        barrier.wait()
        statuses.append(_get(slow_replay, f"http://baolaocai.vn/?n={n}"))

    threads = [threading.Thread(target=fetch, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(statuses) == 3
    logged = slow_replay.requests
    assert all(r.answered is not None and r.answered - r.time >= SLOW * 0.9 for r in logged), logged
    assert host_concurrency(logged) == {"baolaocai.vn": 3}


def test_sequential_requests_do_not_overlap(slow_replay):
    slow_replay.clear_requests()
    for n in range(3):
        _get(slow_replay, f"http://baolaocai.vn/?n={n}")
    _get(slow_replay, "http://laodongthudo.vn/robots.txt")
    assert host_concurrency(slow_replay.requests) == {"baolaocai.vn": 1, "laodongthudo.vn": 1}


def test_a_cut_answer_is_answered_a_dropped_request_is_not(slow_replay):
    slow_replay.clear_requests()
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        _get(slow_replay, "http://tuoitrethudo.vn/")
    [dropped] = slow_replay.requests
    assert dropped.status is None and dropped.answered is None
    assert host_concurrency([dropped]) == {"tuoitrethudo.vn": 1}


    slow_replay.clear_requests()
    with pytest.raises(http.client.IncompleteRead):
        _get(slow_replay, "http://laodong.vn/")
    [cut] = slow_replay.requests
    assert cut.status == 200 and cut.answered is not None and cut.answered >= cut.time
