"""Auto-assignment and availability: who a new ticket goes to, agents' "away until", and handing an
agent's open tickets back to their team. `choice` is pure; `auto`, `away` and `hand_back` do the I/O."""
