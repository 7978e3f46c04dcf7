"""The Rancher family: environment API keys, their state machine and HTTP Basic authentication."""
