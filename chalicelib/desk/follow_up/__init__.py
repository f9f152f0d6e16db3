"""Follow-ups: snoozing a ticket until a time, due dates, and the per-ticket timers that wake it
and remind its assignee (`times` pure, `timer` the state machine's definition and inputs,
`timers` starting them, `snooze`, `due_dates`, `telling` the assignee's mail, `events` the timer
events the SLA queue's consumer hands here)."""
