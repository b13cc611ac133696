"""Assessment settings: thresholds and deadlines on top of the common ones."""

from shared.settings import Settings


class AssessmentSettings(Settings):
    service: str = "assessment"
    http_port: int = 8002
