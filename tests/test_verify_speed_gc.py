"""The cycle collector around a verification (collector.py): set aside while it runs, as it was after."""

import gc

import derive
from derive.verify import Checker, verify_claim, verify_text
from derive.verify.collector import older_objects_set_aside


def test_the_objects_made_before_are_set_aside_and_given_back():
    before = []           # a container: tracked by the collector
    with older_objects_set_aside():
        assert gc.get_freeze_count() > 0
        assert not any(x is before for x in gc.get_objects())    # out of the collector's passes
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert any(x is before for x in gc.get_objects())


def test_a_callers_own_settings_are_left_alone():
    gc.disable()
    try:
        with older_objects_set_aside():
            assert gc.get_freeze_count() == 0
    finally:
        gc.enable()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with older_objects_set_aside():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen        # not given back: it was the caller's freeze
    finally:
        gc.unfreeze()


def test_a_verification_leaves_the_collector_as_it_was():
    result = derive.derive(derive.load("mazur"))
    checker = Checker(result)
    verify_text(checker, result.render("markdown", "neuron"), "post.md", "neuron")
    verify_claim(checker, "out_{h1} = 0.593269992")
    assert gc.get_freeze_count() == 0 and gc.isenabled()
