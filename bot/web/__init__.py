"""The staff web console and the resident web chat (``madoguchi web``): Japanese pages over
the same services as the CLI; templates and static assets live in this package (no CDN)."""
