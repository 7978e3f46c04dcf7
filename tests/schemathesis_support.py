"""What the project's Schemathesis tests share: the contract-derived config and Hypothesis settings."""

from __future__ import annotations

import hypothesis
import schemathesis

from mockserver.spec import business_rule_statuses

# Schemathesis's own default for the positive-data check, to which each operation adds the
# statuses its contract declares in `x-business-rule-statuses`.
POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# Schemathesis's default for the server-error check (any 5xx fails it).
SERVER_ERROR_ACCEPTED = ["2xx", "3xx", "4xx"]

HYPOTHESIS_SETTINGS = hypothesis.settings(
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)


def contract_config(coverage: bool = True) -> schemathesis.config.SchemathesisConfig:
    """Schema-valid input may still be refused for the contract's declared business rules
    (a password shorter than the settings ask, DELETE of an active Rancher key, ...).

    `coverage=False` leaves out the coverage phase (its boundary and negative cases do not
    depend on who asks: one run per operation with it is enough)."""
    operations = [
        {
            "include-operation-id": operation_id,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": POSITIVE_ACCEPTED + [str(s) for s in statuses]
                },
                # A 500 the contract declares is Portainer's on purpose (a failed deployment).
                "not_a_server_error": {
                    "expected-statuses": SERVER_ERROR_ACCEPTED + [str(s) for s in statuses]
                },
            },
        }
        for operation_id, statuses in business_rule_statuses().items()
    ]
    phases = {} if coverage else {"phases": {"coverage": {"enabled": False}}}
    return schemathesis.config.SchemathesisConfig.from_dict({"operations": operations, **phases})
