"""The agent web app: server-rendered pages, one blueprint per area."""
