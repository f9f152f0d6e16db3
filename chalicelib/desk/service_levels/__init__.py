"""Work the SLA drives: alerts and escalation when a timer fires, the daily digest, auto-close."""
