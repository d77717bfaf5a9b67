"""The load shapes: a peak rush (users) and a chain's peak with a burst (orders a second).

A real rush (a 30-60 minute peak between quieter hours) is compressed into `LOADTEST_DURATION_S`
seconds of wall time; the share of each phase stays the same. Users are added at the rate of
the ramp and removed in the decay, so the load follows the shape, not a step.

`LOADTEST_MODE=users` (the default, `make loadtest`): quiet / ramp / peak / decay in channel
users, each ordering at its own human rhythm. `LOADTEST_MODE=rate` (the chain profile of issue 6:
1,000 stores x 6 orders a minute = 100 orders/s at the peak, plus a burst of 10x): quiet / ramp /
peak / burst / peak / decay in orders a second (`LOADTEST_PEAK_RATE`, `LOADTEST_BURST_FACTOR`);
every channel user then paces itself to `LOADTEST_USER_RATE` orders a second, and the shape runs
as many users as the phase's rate needs.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from locust import LoadTestShape

# (phase, share of the run)
PHASES = (("quiet", 0.15), ("ramp", 0.20), ("peak", 0.40), ("decay", 0.25))
RATE_PHASES = (
    ("quiet", 0.10),
    ("ramp", 0.15),
    ("peak", 0.25),
    ("burst", 0.10),
    ("peak", 0.15),
    ("decay", 0.25),
)
# The quiet hours' rate as a share of the peak's.
QUIET_SHARE = 0.2


@dataclass(frozen=True)
class Profile:
    duration_s: float
    quiet_users: int  # channel users at rest
    peak_users: int  # channel users at the top of the rush
    fixed_users: int  # KDS users, one per station of the stores with displays, there all along
    mode: str = "users"
    peak_rate: float = 100.0  # orders/s at the peak (rate mode)
    burst_factor: float = 10.0
    user_rate: float = 4.0  # orders/s of one channel user (rate mode)

    @classmethod
    def from_env(cls, fixed_users: int) -> Profile:
        return cls(
            duration_s=float(os.environ.get("LOADTEST_DURATION_S", "300")),
            quiet_users=int(os.environ.get("LOADTEST_QUIET_USERS", "4")),
            peak_users=int(os.environ.get("LOADTEST_PEAK_USERS", "60")),
            fixed_users=fixed_users,
            mode=os.environ.get("LOADTEST_MODE", "users"),
            peak_rate=float(os.environ.get("LOADTEST_PEAK_RATE", "100")),
            burst_factor=float(os.environ.get("LOADTEST_BURST_FACTOR", "10")),
            user_rate=float(os.environ.get("LOADTEST_USER_RATE", "4")),
        )

    def phase_at(self, t: float) -> tuple[str, float, float] | None:
        """(name, start, end) of the phase at `t` seconds; None once the run is over."""
        start = 0.0
        for name, share in RATE_PHASES if self.mode == "rate" else PHASES:
            end = start + share * self.duration_s
            if t < end:
                return name, start, end
            start = end
        return None

    def rate_at(self, t: float) -> float | None:
        """Orders a second at `t` (rate mode); None once the run is over."""
        phase = self.phase_at(t)
        if phase is None:
            return None
        name, start, end = phase
        low, high = QUIET_SHARE * self.peak_rate, self.peak_rate
        if name == "quiet":
            return low
        if name == "ramp":
            return low + (high - low) * (t - start) / (end - start)
        if name == "peak":
            return high
        if name == "burst":
            return high * self.burst_factor
        return high - (high - low) * (t - start) / (end - start)

    def users_at(self, t: float) -> int | None:
        """Channel users plus KDS users at `t` seconds into the run; None once it is over."""
        if self.mode == "rate":
            rate = self.rate_at(t)
            if rate is None:
                return None
            return self.fixed_users + math.ceil(rate / self.user_rate)
        phase = self.phase_at(t)
        if phase is None:
            return None
        name, start, end = phase
        low, high = self.quiet_users, self.peak_users
        channel: float
        if name == "quiet":
            channel = float(low)
        elif name == "ramp":
            channel = low + (high - low) * (t - start) / (end - start)
        elif name == "peak":
            channel = high
        else:
            channel = high - (high - low) * (t - start) / (end - start)
        return self.fixed_users + round(channel)

    def max_channel_users(self) -> int:
        if self.mode == "rate":
            return math.ceil(self.peak_rate * self.burst_factor / self.user_rate)
        return self.peak_users


class PeakRushShape(LoadTestShape):
    abstract = True
    fixed_users = 0  # set by the locustfile: its KDS users

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.profile = Profile.from_env(self.fixed_users)

    def tick(self) -> tuple[int, float] | None:
        users = self.profile.users_at(self.get_run_time())  # type: ignore[no-untyped-call]
        if users is None:
            return None
        # Spawn the KDS users at once, then follow the shape (the burst within a second).
        channel = self.profile.max_channel_users()
        rate = max(
            self.profile.fixed_users, channel if self.profile.mode == "rate" else channel / 5
        )
        return users, rate
