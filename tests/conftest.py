"""Shared fixtures. Relays run for real on 127.0.0.1, on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Relay
from tests.hostile_relay import HostileRelay

RelayFactory = Callable[..., Awaitable[Relay]]


class ManualClock:
    """A clock that moves only when told: pass it as Relay(clock=...) to control
    graces, expiries and rate limits without waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def relay_factory() -> AsyncIterator[RelayFactory]:
    """Start relays with config overrides: ``await relay_factory(max_lobby=1)``;
    ``clock=`` passes a clock. Every relay started is stopped after the test."""
    started: list[Relay] = []

    async def start(clock: Callable[[], float] | None = None, **overrides: Any) -> Relay:
        config = RelayConfig(**{"host": "127.0.0.1", "port": 0, **overrides})
        relay = Relay(config) if clock is None else Relay(config, clock=clock)
        await relay.start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        await relay.stop()


@pytest.fixture
async def relay(relay_factory: RelayFactory) -> Relay:
    """A relay with the default configuration."""
    return await relay_factory()


@pytest.fixture
async def proxy(relay: Relay) -> AsyncIterator[HostileRelay]:
    """tests/hostile_relay.py in front of ``relay``: the threat model's relay."""
    hostile = HostileRelay(relay.url)
    await hostile.start()
    yield hostile
    await hostile.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print figures tests report with ``record_property("summary:<what>", text)``
    (the risk lexicon's precision and recall), whatever the verbosity."""
    lines = [f"{name.removeprefix('summary:')}: {value}"
             for reports in terminalreporter.stats.values() for report in reports
             if getattr(report, "when", None) == "call"
             for name, value in getattr(report, "user_properties", ())
             if name.startswith("summary:")]
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
async def members():
    """Member sessions made during a test (tests.ui_helpers.Members), closed after it."""
    from tests.ui_helpers import Members

    made = Members()
    yield made
    await made.close()
