"""Access governance: consumer registry, grants, extract requests and the tamper-evident audit log."""
