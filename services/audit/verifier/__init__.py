"""The offline verifier of audit log exports (`vfund audit verify`, services/audit/verify.py)."""
