"""A stand-in for the trading engine: emits the event contract to Kafka, deterministically.

``generator`` is pure (seeded, simulated clock, no I/O); ``messages`` turns its events into
Kafka messages and adds deliberate bad ones; ``producer`` and ``run`` talk to Kafka.
"""

from .options import SimulatorOptions
from .run import SimulatorReport, run_simulator

__all__ = ["SimulatorOptions", "SimulatorReport", "run_simulator"]
