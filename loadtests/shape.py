"""The peak-rush load shape: quiet, ramp, a compressed peak, decay.

A real rush (a 30-60 minute peak between quieter hours) is compressed into `LOADTEST_DURATION_S`
seconds of wall time; the share of each phase stays the same. Users are added at the rate of
the ramp and removed in the decay, so the load follows the shape, not a step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from locust import LoadTestShape

# (phase, share of the run)
PHASES = (("quiet", 0.15), ("ramp", 0.20), ("peak", 0.40), ("decay", 0.25))


@dataclass(frozen=True)
class Profile:
    duration_s: float
    quiet_users: int  # channel users at rest
    peak_users: int  # channel users at the top of the rush
    fixed_users: int  # KDS users, one per station of every store, there all along

    @classmethod
    def from_env(cls, fixed_users: int) -> Profile:
        return cls(
            duration_s=float(os.environ.get("LOADTEST_DURATION_S", "300")),
            quiet_users=int(os.environ.get("LOADTEST_QUIET_USERS", "4")),
            peak_users=int(os.environ.get("LOADTEST_PEAK_USERS", "60")),
            fixed_users=fixed_users,
        )

    def users_at(self, t: float) -> int | None:
        """Channel users plus KDS users at `t` seconds into the run; None once it is over."""
        quiet_end = PHASES[0][1] * self.duration_s
        ramp_end = quiet_end + PHASES[1][1] * self.duration_s
        peak_end = ramp_end + PHASES[2][1] * self.duration_s
        if t >= self.duration_s:
            return None
        low, high = self.quiet_users, self.peak_users
        channel: float
        if t < quiet_end:
            channel = float(low)
        elif t < ramp_end:
            channel = low + (high - low) * (t - quiet_end) / (ramp_end - quiet_end)
        elif t < peak_end:
            channel = high
        else:
            channel = high - (high - low) * (t - peak_end) / (self.duration_s - peak_end)
        return self.fixed_users + round(channel)


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
        # Spawn the KDS users at once, then follow the shape within a second.
        rate = max(self.profile.fixed_users, self.profile.peak_users / 5)
        return users, rate
