"""What agents do to tickets: field changes, replies and notes, merging."""
