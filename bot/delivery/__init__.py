"""What every channel needs to deliver and receive, written once and shared: ``backoff``
(one exponential backoff), ``outcome`` (one delivery-outcome vocabulary, also the
broadcast engine's), ``ordering`` (one per-resident ordering), ``text`` (one UTF-16
length, clip and splitter), ``redaction`` (one log redaction of secrets), ``keys``
(idempotency keys), ``pacing`` (sliding windows and token buckets) and ``flood``
(per-resident flood control).

Platform-neutral: imports no platform SDK and touches no store.
"""
