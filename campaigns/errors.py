"""Error codes of the campaigns app."""

from enum import StrEnum


class CampaignErrorCode(StrEnum):
    CAMPAIGN_INVALID = "campaign_invalid"
    CAMPAIGN_STATE = "campaign_state"
    IMPORT_INVALID = "import_invalid"
    NO_CONTACTS = "no_contacts"
