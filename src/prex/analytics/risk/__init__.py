"""Risk from red flags: recording each run's hits (first and last seen, resolved when a rule no
longer finds them), a risk score per tender and per bidder, and alerts with levels (报警等级)
raised when a subject's level rises. Weights and levels: ``score.py`` and docs/red-flags.md."""
