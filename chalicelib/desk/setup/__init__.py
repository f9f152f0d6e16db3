"""The desk's editable setup and who works in it: agents and their sign-in, teams and mailboxes
(the directory), canned replies, mail templates, branding, and the admin's changes to them."""
