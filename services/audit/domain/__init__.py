"""The audit log's rules, pure and synchronous: canonical JSON, the Merkle tree, entries, the
tree-head protocol, what a reader may ask, and the donor reports' arithmetic."""
