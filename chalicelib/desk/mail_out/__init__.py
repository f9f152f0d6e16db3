"""Mail the desk sends about a ticket: composing it from templates, sending and recording it, and
the automatic notices a status change sends."""
