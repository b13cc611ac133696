"""The audit service's inclusion proofs over HTTP, for `vfund audit verify --against URL`.

Nothing it answers is trusted: domain/locate.py uses an answer only when it hashes up to a root
the service signed."""

from __future__ import annotations

from types import TracebackType

import httpx

from services.audit.domain.heads import HEX64
from services.audit.domain.locate import InclusionAnswer, Unanswered


class ServiceProofs:
    """GET /proofs/inclusion?index=&tree_size= on one audit service, as one bearer."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def __enter__(self) -> ServiceProofs:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def inclusion(self, index: int, tree_size: int) -> InclusionAnswer:
        try:
            answer = self._http.get(
                "/proofs/inclusion", params={"index": index, "tree_size": tree_size}
            )
        except httpx.HTTPError as error:
            raise Unanswered(f"{type(error).__name__} from {self.url}") from error
        if answer.status_code != 200:
            raise Unanswered(f"{self.url} answered {answer.status_code} to /proofs/inclusion")
        try:
            body = answer.json()
        except ValueError as error:
            raise Unanswered(f"{self.url} answered something other than JSON") from error
        proof = _inclusion_answer(body)
        if proof is None:
            raise Unanswered(f"{self.url} answered an inclusion proof that is malformed")
        return proof


def _inclusion_answer(body: object) -> InclusionAnswer | None:
    if not isinstance(body, dict):
        return None
    leaf, path = body.get("leaf_hash"), body.get("audit_path")
    if not isinstance(leaf, str) or not isinstance(path, list):
        return None
    if not all(isinstance(h, str) and HEX64.fullmatch(h) for h in [leaf, *path]):
        return None
    return InclusionAnswer(bytes.fromhex(leaf), [bytes.fromhex(h) for h in path])
