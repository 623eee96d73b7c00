"""paused_gc: the collector is off inside the block and back in its previous state after."""

from __future__ import annotations

import gc

import pytest
from slogen.build.gcpause import paused_gc


def test_pauses_and_restores_even_on_error():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with paused_gc():
            assert not gc.isenabled()
            raise ValueError
    assert gc.isenabled()


def test_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_freeze_keeps_survivors_out_of_later_collections():
    before = gc.get_freeze_count()
    try:
        with paused_gc(freeze=True):
            survivors = [[i] for i in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= before + len(survivors)
    finally:
        gc.unfreeze()
