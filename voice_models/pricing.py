"""The price book: credits per unit of usage, editable by admins, versioned by date.

Rounding rule (billing is per second at the per-minute rate):
1. Quantities are whole units: a started second of call or ASR time is billed as a whole
   second; characters and tokens are counted exactly.
2. credits = quantity * rate / unit size, rounded half-up to 0.01 credit.
3. The rule is applied to a call's *cumulative* quantity, so a call's ledger entries always
   add up to the rounded price of its total, never to a sum of separately rounded pieces.

The rate in force is the newest entry whose ``effective_from`` is on or before the day the
call started; a model-specific entry beats the kind's default entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models

from betool.models import LedgerKind, Workspace

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Unit:
    size: int
    label: str
    whole_units: bool  # round the quantity up to a whole unit (seconds)


UNITS: dict[str, Unit] = {
    LedgerKind.CALL_SECONDS: Unit(60, "per minute of call", True),
    LedgerKind.ASR_SECONDS: Unit(60, "per minute of speech recognition", True),
    LedgerKind.TTS_CHARACTERS: Unit(1000, "per 1,000 characters spoken", False),
    LedgerKind.LLM_INPUT_TOKENS: Unit(1000, "per 1,000 input tokens", False),
    LedgerKind.LLM_OUTPUT_TOKENS: Unit(1000, "per 1,000 output tokens", False),
}
BILLABLE_KINDS = tuple(UNITS)

# Indicative prices from the product documents (200 credits per minute of call); a
# workspace's own dated entries override them.
DEFAULT_RATES: dict[str, Decimal] = {
    LedgerKind.CALL_SECONDS: Decimal(200),
    LedgerKind.ASR_SECONDS: Decimal(20),
    LedgerKind.TTS_CHARACTERS: Decimal(30),
    LedgerKind.LLM_INPUT_TOKENS: Decimal(2),
    LedgerKind.LLM_OUTPUT_TOKENS: Decimal(8),
}


class PriceBookEntry(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="prices")
    kind = models.CharField(
        max_length=24, choices=[(k, LedgerKind(k).label) for k in BILLABLE_KINDS]
    )
    model_name = models.CharField(
        max_length=120, blank=True, help_text="Blank: the price for every model of this kind."
    )
    credits = models.DecimalField(max_digits=12, decimal_places=4)
    effective_from = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "voice_models"
        ordering = ["kind", "model_name", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "model_name", "effective_from"],
                name="one_price_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.model_name or '*'} {self.credits} from {self.effective_from}"


def billable_quantity(kind: str, quantity: Decimal) -> Decimal:
    if UNITS[kind].whole_units:
        return Decimal(math.ceil(quantity))
    return quantity.to_integral_value()


def credits_for(kind: str, quantity: Decimal, rate: Decimal) -> Decimal:
    unit = UNITS[kind]
    raw = billable_quantity(kind, quantity) * rate / unit.size
    return raw.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class RateCard:
    """Every rate of a workspace in force on one day, read in one query."""

    rates: dict[tuple[str, str], Decimal]

    def rate(self, kind: str, *model_names: str) -> Decimal:
        """The rate of the first of ``model_names`` that has one (a configuration's name,
        then its provider's model id), else the kind's."""
        for name in model_names:
            if name and (kind, name) in self.rates:
                return self.rates[(kind, name)]
        return self.rates.get((kind, ""), DEFAULT_RATES[kind])

    def pricer(self, kind: str, *model_names: str) -> Callable[[Decimal], Decimal]:
        """The cumulative price function of one kind of usage."""
        rate = self.rate(kind, *model_names)
        return lambda quantity: credits_for(kind, quantity, rate)


def rate_card(*, workspace: Workspace, on: date) -> RateCard:
    rates: dict[tuple[str, str], Decimal] = {}
    entries = PriceBookEntry.objects.filter(workspace=workspace, effective_from__lte=on)
    # Oldest first, so the newest entry of each (kind, model) is the one left standing.
    for entry in entries.order_by("effective_from"):
        rates[(entry.kind, entry.model_name)] = entry.credits
    return RateCard(rates)


def rate_for(*, workspace: Workspace, kind: str, model_name: str = "", on: date) -> Decimal:
    return rate_card(workspace=workspace, on=on).rate(kind, model_name)
