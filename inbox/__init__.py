"""Social Inbox: every mention and DM of all your accounts in one deck."""

__version__ = "0.1.0"
