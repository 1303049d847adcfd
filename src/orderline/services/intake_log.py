"""The durable intake log as entry points hold it: the group-commit writer that commits
accepted deliveries and dead letters before they are answered.

Named here so that HTTP code holds, starts and stops it without importing the store.
"""

from __future__ import annotations

from typing import TypeAlias

from orderline.persistence.inbox import GroupCommitWriter

IntakeWriter: TypeAlias = GroupCommitWriter
