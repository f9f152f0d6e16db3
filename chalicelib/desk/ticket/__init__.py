"""The ticket and the conventions every writer of one keeps: its history items, queue keys, SLA
clock, tags, search terms, opening and appending, and reading tickets and queue pages."""
