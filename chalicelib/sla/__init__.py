"""The SLA engine's pure core: business calendars, policies, the clock, the timer definition.

No AWS in here: the desk stores the clock on the ticket and starts the timers.
"""
