"""The Portainer family: rules (permissions, backend) and the thin HTTP handlers."""
