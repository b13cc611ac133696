"""What the assessment service keeps in its runtime: the injectable clock and the policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from services.assessment.model import Policy
from services.assessment.settings import AssessmentSettings

Clock = Callable[[], datetime]


async def configure(rt: Any) -> None:
    """Startup step: a clock (unless a test injected one) and the policy from the settings."""
    settings = rt.settings
    if not isinstance(settings, AssessmentSettings):
        settings = AssessmentSettings()
    offset = timedelta(seconds=settings.clock_offset_seconds)
    rt.extras.setdefault("clock", lambda: datetime.now(UTC) + offset)
    rt.extras.setdefault("policy", settings.policy())
    rt.extras.setdefault("settings", settings)


def clock_of(rt: Any) -> Clock:
    return cast("Clock", rt.extras["clock"])


def policy_of(rt: Any) -> Policy:
    return cast("Policy", rt.extras["policy"])


def settings_of(rt: Any) -> AssessmentSettings:
    return cast("AssessmentSettings", rt.extras["settings"])
