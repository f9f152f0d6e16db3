"""Pure rule code: admins' rules as values, checked (`model`) and evaluated over a ticket's facts
(`engine`), with the text and header readings they need (`text`, `headers`). No I/O."""
