"""The one structured logger every function shares (powertools: JSON lines with request keys)."""

from aws_lambda_powertools import Logger

logger = Logger(service="helpdesk")
