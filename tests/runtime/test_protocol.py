"""The update protocol every host shares (runtime/protocol.py): seq order, errors that change
nothing, the server's timing; and the two pieces of host plumbing kept there (Nagle, the heap)."""

from __future__ import annotations

import gc
import socket

import pytest

from vegafusion_core import runtime
from vegafusion_core.runtime import protocol

SPEC = {
    "$schema": "https://vega.github.io/schema/vega/v6.json",
    "signals": [{"name": "threshold", "value": 2,
                 "on": [{"events": "click", "update": "threshold + 1"}]}],
    "data": [{"name": "points", "values": [{"x": i} for i in range(6)],
              "transform": [{"type": "filter", "expr": "datum.x >= threshold"}]}],
    "marks": [{"type": "symbol", "from": {"data": "points"},
               "encode": {"update": {"x": {"field": "x"}}}}],
}


def _threshold(value):
    return [{"namespace": "signal", "name": "threshold", "scope": [], "value": value}]


@pytest.fixture()
def state():
    chart = runtime.new_chart_state(SPEC, local_tz="UTC")
    assert {"namespace": "signal", "name": "threshold", "scope": []} in \
        chart.get_comm_plan()["client_to_server"]
    return chart


def test_an_update_is_answered_with_its_seq_the_changes_and_the_server_time(state):
    reply, last = protocol.answer_update(state, {"seq": 4, "updates": _threshold(4)}, 0)
    assert last == 4 and reply["type"] == "update" and reply["seq"] == 4
    assert reply["updates"][0]["value"] == [{"x": 4}, {"x": 5}]
    assert isinstance(reply["serverMs"], float) and reply["serverMs"] >= 0


@pytest.mark.parametrize("seq", [None, "3", 2.5, True])
def test_a_seq_that_is_not_an_integer_is_refused(state, seq):
    reply, last = protocol.answer_update(state, {"seq": seq, "updates": _threshold(4)}, 0)
    assert reply["type"] == "error" and "integer seq" in reply["message"] and last == 0


def test_a_late_update_changes_nothing(state):
    protocol.answer_update(state, {"seq": 5, "updates": _threshold(4)}, 0)
    reply, last = protocol.answer_update(state, {"seq": 5, "updates": _threshold(0)}, 5)
    assert reply == {"type": "error", "seq": 5, "message": "update 5 arrived out of order"}
    assert last == 5
    # The state still filters at 4: the next update that changes nothing answers nothing.
    reply, _ = protocol.answer_update(state, {"seq": 6, "updates": _threshold(4)}, 5)
    assert reply["updates"] == []


def test_a_bad_update_is_an_error_naming_where_and_keeps_the_seq(state):
    reply, last = protocol.answer_update(
        state, {"seq": 1, "updates": [{"namespace": "signal", "name": "nope", "scope": []}]}, 0)
    assert reply["type"] == "error" and reply["seq"] == 1 and "updates[0]" in reply["message"]
    assert last == 0


def test_disable_nagle_sets_tcp_nodelay_and_ignores_other_sockets():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server_side, _ = listener.accept()
    unix_a, unix_b = socket.socketpair(socket.AF_UNIX)
    try:
        assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol.disable_nagle(server_side)
        assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        protocol.disable_nagle(unix_a)  # not TCP: left alone, no error
        server_side.close()
        protocol.disable_nagle(server_side)  # closed meanwhile: no error
    finally:
        for sock in (listener, client, server_side, unix_a, unix_b):
            sock.close()


def test_settle_heap_collects_then_freezes_and_can_be_turned_off(monkeypatch):
    monkeypatch.setattr(protocol, "_heap_settled_at", float("-inf"))

    class Cycle:
        pass

    garbage = Cycle()
    garbage.me = garbage
    del garbage
    gc.unfreeze()
    try:
        monkeypatch.setenv("VEGAFUSION_GC_FREEZE", "0")
        protocol.settle_heap()
        assert gc.get_freeze_count() == 0
        monkeypatch.delenv("VEGAFUSION_GC_FREEZE")
        protocol.settle_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert not any(type(o) is Cycle for o in gc.get_objects())  # collected, not frozen
        kept = [Cycle()]
        protocol.settle_heap()  # within the interval: nothing happens
        assert gc.get_freeze_count() == frozen
        protocol.settle_heap(min_interval_s=0)
        assert gc.get_freeze_count() > frozen and kept
    finally:
        gc.unfreeze()
