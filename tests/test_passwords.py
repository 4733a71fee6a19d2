"""Passwords are hashed with Django's PBKDF2-SHA256 at Django's cost, on low-priority threads
(drssd_portal/passwords.py)."""

import os
import sys
import threading

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, identify_hasher, make_password

from drssd_portal import passwords


@pytest.fixture
def portal_hashers(settings):
    from drssd_portal import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS


def test_passwords_are_pbkdf2_sha256_at_djangos_own_cost(portal_hashers):
    encoded = make_password("demo-drssd-2019")
    algorithm, iterations, _salt, _hash = encoded.split("$")
    assert algorithm == "pbkdf2_sha256"
    assert int(iterations) == PBKDF2PasswordHasher.iterations  # never lowered to buy speed
    assert isinstance(identify_hasher(encoded), passwords.LowPriorityPBKDF2PasswordHasher)
    assert check_password("demo-drssd-2019", encoded)
    assert not check_password("demo-drssd-2018", encoded)


def test_a_hash_made_by_djangos_own_hasher_still_verifies(portal_hashers):
    encoded = PBKDF2PasswordHasher().encode("demo-drssd-2019", "fixedsalt1234567")
    assert check_password("demo-drssd-2019", encoded)


def test_hashing_runs_on_a_pool_thread_not_on_the_request_thread():
    seen = passwords.at_low_priority(lambda: threading.current_thread().name)
    assert seen.startswith("password-hash")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_the_pool_threads_run_at_the_lowest_priority_and_the_caller_keeps_its_own():
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    theirs = passwords.at_low_priority(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    assert theirs == passwords.LOWEST_PRIORITY
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


def test_hashing_goes_through_the_pool(portal_hashers, monkeypatch):
    calls = []
    real = passwords.at_low_priority

    def counting(function, *args):
        calls.append(function)
        return real(function, *args)

    monkeypatch.setattr(passwords, "at_low_priority", counting)
    check_password("x", make_password("x"))
    assert len(calls) == 2  # make_password, then check_password
