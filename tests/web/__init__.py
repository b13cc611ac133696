"""The web pages in a real headless Chromium (one browser for the package: see conftest)."""
