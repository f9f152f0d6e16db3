"""Plumbing every capability uses: errors, the mail bucket, ticket numbers, cursors, rate limits,
signing keys, words, note text. Imports no other desk package."""
