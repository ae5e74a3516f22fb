"""Alert rules: the metric registry (`metrics`), rule and channel services (`services`), evaluation
(`evaluation`) and notification delivery (`notifications`); the actors are in observability.actors."""
