"""How finance names what its rows are about, told by the apps that own those things.

The ledger stores plain ids: a pipeline's id, a call's source ("call-<id>"). Their names
live in apps above the core (pipelines, telephony), which the core may not import; each of
those apps registers its lookup when Django is ready, and finance asks through here. Until
one registers (a core-only test), rows are labelled from their ids alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PipelineNames = Callable[[set[int]], dict[int, str]]
CallerNumbers = Callable[[set[str]], dict[str, str]]
# ledger source -> (the campaign's id, its name), for the calls a campaign placed
CallCampaigns = Callable[[set[str]], dict[str, tuple[int, str]]]
# The same for a statement to join: the SQL of a relation (call_id, campaign_id,
# campaign_name) of the calls placed by the campaigns of the workspace bound as
# ``%(workspace)s``, a call by its id (its source's number).
CampaignCallsSql = Callable[[], str]


def _no_names(_ids: set[int]) -> dict[int, str]:
    return {}


def _no_callers(_sources: set[str]) -> dict[str, str]:
    return {}


def _no_campaigns(_sources: set[str]) -> dict[str, tuple[int, str]]:
    return {}


def _no_campaign_calls_sql() -> str:
    return (
        "SELECT NULL::bigint AS call_id, NULL::bigint AS campaign_id,"
        " NULL::varchar AS campaign_name WHERE false"
    )


@dataclass
class _LabelSources:
    pipeline_names: PipelineNames = _no_names
    caller_numbers: CallerNumbers = _no_callers
    call_campaigns: CallCampaigns = _no_campaigns
    campaign_calls_sql: CampaignCallsSql = _no_campaign_calls_sql


_sources = _LabelSources()


def pipeline_names_register(lookup: PipelineNames) -> None:
    """``lookup(ids)`` gives each pipeline's name by id (called by the pipelines app)."""
    _sources.pipeline_names = lookup


def caller_numbers_register(lookup: CallerNumbers) -> None:
    """``lookup(sources)`` gives the caller's number by ledger source (called by telephony)."""
    _sources.caller_numbers = lookup


def call_campaigns_register(lookup: CallCampaigns) -> None:
    """``lookup(sources)`` gives the campaign of each call's ledger source (campaigns)."""
    _sources.call_campaigns = lookup


def campaign_calls_sql_register(relation: CampaignCallsSql) -> None:
    """``relation()`` gives the SQL of the calls each campaign placed (campaigns)."""
    _sources.campaign_calls_sql = relation


def campaign_calls_sql() -> str:
    return _sources.campaign_calls_sql()


def call_campaigns(sources: set[str]) -> dict[str, tuple[int, str]]:
    return _sources.call_campaigns(sources) if sources else {}


def pipeline_names(ids: set[int]) -> dict[int, str]:
    return _sources.pipeline_names(ids) if ids else {}


def caller_numbers(sources: set[str]) -> dict[str, str]:
    return _sources.caller_numbers(sources) if sources else {}
