"""The development and operations harness: embedded servers, provisioning, the launcher. Never
imported by a running service: `shared/` is what services import in production."""
