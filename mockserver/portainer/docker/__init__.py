"""The Docker view of each environment through Portainer's Docker proxy, derived from the stacks.

compose.py (a compose file's facts), model.py (the engine each environment's stacks imply, and
the container changes the proxy keeps), proxy.py (Portainer's access rules over it), views.py
(Docker Engine API JSON and Portainer's snapshot), errors.py (Docker's error body), handlers.py
(thin HTTP).
"""
