"""Assessment settings: thresholds, deadlines and the deadline checker on top of the common ones."""

from __future__ import annotations

from datetime import timedelta

from services.assessment.domain.model import Policy
from shared.money import Money
from shared.settings import Settings


class AssessmentSettings(Settings):
    http_port: int = 8002
    # Amounts are CHF equivalents (rates learnt from disbursement's fx.rate_recorded events).
    four_eyes_threshold_chf: str = "5000.00"
    fast_track_limit_chf: str = "2000.00"
    ratification_days: float = 7
    emergency_decision_hours: float = 48
    standard_decision_days: float = 30
    emergency_assessment_hours: float = 24
    standard_assessment_days: float = 20
    fx_max_age_days: int | None = None
    # A stage's deadline is announced (deadline_approaching) this long before it; 0: never.
    deadline_approaching_hours: float = 12
    # The deadline checker: how often it scans `next_check_at <= now`, and how many per batch.
    deadline_check_seconds: float = 5.0
    deadline_batch: int = 100
    # Shifts the service's clock (drills and tests of deadlines); 0 in production.
    clock_offset_seconds: float = 0.0

    def policy(self) -> Policy:
        return Policy(
            emergency_decision=timedelta(hours=self.emergency_decision_hours),
            standard_decision=timedelta(days=self.standard_decision_days),
            emergency_assessment=timedelta(hours=self.emergency_assessment_hours),
            standard_assessment=timedelta(days=self.standard_assessment_days),
            four_eyes_threshold=Money.parse(self.four_eyes_threshold_chf, "CHF"),
            fast_track_limit=Money.parse(self.fast_track_limit_chf, "CHF"),
            ratification_period=timedelta(days=self.ratification_days),
            fx_max_age=(
                None if self.fx_max_age_days is None else timedelta(days=self.fx_max_age_days)
            ),
            deadline_approaching=timedelta(hours=self.deadline_approaching_hours),
        )
